#include "class_scores.hpp"

#include <QCoreApplication>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <variant>

namespace convscope::ui {

namespace {

QString tr(const char* text) {
    return QCoreApplication::translate("convscope::ui::ClassScores", text);
}

} // namespace

std::optional<ClassifierHead> classifierHead(const Pipeline& pipeline) {
    if (pipeline.layers.empty())
        return std::nullopt;
    const int last = int(pipeline.layers.size()) - 1;
    const Layer& layer = pipeline.layers.back();
    ClassifierHead head;
    head.layer = last;
    if (const auto* linear = std::get_if<Linear>(&layer.op)) {
        if (!layer.enabled)
            return std::nullopt;
        head.classes = linear->out_features;
        return head;
    }
    if (!std::holds_alternative<Softmax>(layer.op))
        return std::nullopt;
    // The scores the softmax reads: a Linear somewhere before it.
    for (int i = last - 1; i >= 0; --i)
        if (const auto* linear = std::get_if<Linear>(&pipeline.layers[i].op)) {
            head.classes = linear->out_features;
            head.probabilities = layer.enabled;
            return head;
        }
    return std::nullopt;
}

QString classLabel(const QStringList& labels, int index) {
    if (index >= 0 && index < labels.size() && !labels[index].isEmpty())
        return labels[index];
    return tr("class %1").arg(index);
}

Prediction predict(const MapSnapshot& snapshot, const QStringList& labels, int k) {
    Prediction prediction;
    const auto head = classifierHead(snapshot.pipeline);
    const Tensor* out = head ? snapshot.maps(head->layer) : nullptr;
    if (!head || !out) {
        prediction.problem =
            snapshot.error && !snapshot.error->message.isEmpty()
                ? tr("The classifier head did not run: %1").arg(snapshot.error->message)
                : tr("The classifier head did not run.");
        return prediction;
    }
    if (out->height() != 1 || out->width() != 1) {
        prediction.problem = tr("The last layer gives %1 × %2 maps, not one score per class.")
                                 .arg(out->height())
                                 .arg(out->width());
        return prediction;
    }
    const int n = out->channels();
    std::vector<double> p(static_cast<std::size_t>(n));
    for (int c = 0; c < n; ++c)
        p[std::size_t(c)] = out->row(c, 0)[0];
    if (!head->probabilities) {
        // Scores: a softmax, computed stably.
        const double top = *std::max_element(p.begin(), p.end());
        double sum = 0;
        for (double& v : p)
            sum += (v = std::exp(v - top));
        for (double& v : p)
            v /= sum;
    }
    std::vector<int> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    const int shown = std::min(k, n);
    // NaN sorts last: a broken weight must not put a NaN class on top.
    auto key = [&p](int i) { return std::isnan(p[std::size_t(i)]) ? -1.0 : p[std::size_t(i)]; };
    std::partial_sort(order.begin(), order.begin() + shown, order.end(),
                      [&](int a, int b) { return key(a) > key(b) || (key(a) == key(b) && a < b); });
    prediction.classes = n;
    for (int i = 0; i < shown; ++i)
        prediction.top.push_back({order[std::size_t(i)], classLabel(labels, order[std::size_t(i)]),
                                  p[std::size_t(order[std::size_t(i)])]});
    return prediction;
}

} // namespace convscope::ui
