#include "pipeline_edit.hpp"

#include <QObject>
#include <QRegularExpression>
#include <QStringList>

#include <algorithm>
#include <cmath>

namespace convscope::ui {

Layer makeLayer(NewLayerKind kind, int channels) {
    const auto activation = [](ActivationKind k, float negativeSlope = 0.01f) {
        Activation a;
        a.kind = k;
        a.negative_slope = negativeSlope;
        return a;
    };
    Layer layer;
    switch (kind) {
    case NewLayerKind::Conv: {
        Conv2d conv;
        const int c = std::max(1, channels);
        conv.weights = ConvWeights{c, c, 3, 3, std::vector<float>(std::size_t(c) * c * 9, 0.0f)};
        for (int o = 0; o < c; ++o)
            conv.weights.set(o, o, 1, 1, 1.0f);
        conv.bias.assign(c, 0.0f);
        conv.padding = ConvPadding::same();
        layer.op = conv;
        break;
    }
    case NewLayerKind::MaxPool:
    case NewLayerKind::AvgPool: {
        Pool2d pool;
        pool.kind = kind == NewLayerKind::MaxPool ? PoolKind::Max : PoolKind::Avg;
        layer.op = pool;
        break;
    }
    case NewLayerKind::ReLU:
        layer.op = activation(ActivationKind::ReLU);
        break;
    case NewLayerKind::LeakyReLU:
        layer.op = activation(ActivationKind::LeakyReLU, 0.1f);
        break;
    case NewLayerKind::Sigmoid:
        layer.op = activation(ActivationKind::Sigmoid);
        break;
    case NewLayerKind::Tanh:
        layer.op = activation(ActivationKind::Tanh);
        break;
    case NewLayerKind::Add:
        layer.op = Add{};
        break;
    case NewLayerKind::Concat:
        layer.op = Concat{};
        break;
    }
    return layer;
}

std::vector<NewLayerChoice> newLayerChoices() {
    return {{QObject::tr("Convolution (Conv2d)"), NewLayerKind::Conv},
            {QObject::tr("Max pooling"), NewLayerKind::MaxPool},
            {QObject::tr("Average pooling"), NewLayerKind::AvgPool},
            {QObject::tr("ReLU"), NewLayerKind::ReLU},
            {QObject::tr("Leaky ReLU"), NewLayerKind::LeakyReLU},
            {QObject::tr("Sigmoid"), NewLayerKind::Sigmoid},
            {QObject::tr("Tanh"), NewLayerKind::Tanh},
            {QObject::tr("Add: sum of earlier layers (residual)…"), NewLayerKind::Add},
            {QObject::tr("Concat: channels of earlier layers…"), NewLayerKind::Concat}};
}

Shape outputShapeOf(const Pipeline& pipeline, Shape input, int layer) {
    if (layer < 0)
        return input;
    const PipelinePlan plan = plan_pipeline(pipeline, input);
    return layer < plan.runnable() ? plan.shapes[layer] : Shape{};
}

Shape inputShapeOf(const Pipeline& pipeline, Shape input, int index) {
    if (index < 0 || index >= int(pipeline.layers.size()))
        return {};
    return outputShapeOf(pipeline, input, input_index(pipeline.layers[index], index, 0));
}

void resizeKernel(Conv2d& conv, int kernelH, int kernelW) {
    ConvWeights& w = conv.weights;
    ConvWeights out{
        w.out_channels, w.in_channels, kernelH, kernelW,
        std::vector<float>(std::size_t(w.out_channels) * w.in_channels * kernelH * kernelW)};
    const int dy = (kernelH - w.kernel_h) / 2; // >0: grow
    const int dx = (kernelW - w.kernel_w) / 2;
    for (int o = 0; o < w.out_channels; ++o)
        for (int i = 0; i < w.in_channels; ++i)
            for (int y = 0; y < kernelH; ++y)
                for (int x = 0; x < kernelW; ++x) {
                    const int sy = y - dy, sx = x - dx;
                    if (sy >= 0 && sy < w.kernel_h && sx >= 0 && sx < w.kernel_w)
                        out.set(o, i, y, x, w.at(o, i, sy, sx));
                }
    w = std::move(out);
}

void setOutChannels(Conv2d& conv, int outChannels) {
    ConvWeights& w = conv.weights;
    const int old = w.out_channels;
    const std::size_t per = std::size_t(w.in_channels) * w.kernel_h * w.kernel_w;
    w.values.resize(per * outChannels, 0.0f);
    w.out_channels = outChannels;
    for (int o = old; o < outChannels; ++o)
        w.set(o, o % std::max(1, w.in_channels), w.kernel_h / 2, w.kernel_w / 2, 1.0f);
    if (!conv.bias.empty())
        conv.bias.resize(outChannels, 0.0f);
}

void setInChannels(Conv2d& conv, int inChannels) {
    ConvWeights& w = conv.weights;
    const int oldIn = w.in_channels;
    if (oldIn == inChannels || inChannels <= 0)
        return;
    ConvWeights out{
        w.out_channels, inChannels, w.kernel_h, w.kernel_w,
        std::vector<float>(std::size_t(w.out_channels) * inChannels * w.kernel_h * w.kernel_w)};
    std::vector<float>& values = out.values.write();
    for (int o = 0; o < w.out_channels; ++o)
        for (int y = 0; y < w.kernel_h; ++y)
            for (int x = 0; x < w.kernel_w; ++x) {
                if (inChannels < oldIn) {
                    for (int i = 0; i < oldIn; ++i)
                        values[out.index(o, int(std::int64_t(i) * inChannels / oldIn), y, x)] +=
                            w.at(o, i, y, x);
                } else {
                    for (int j = 0; j < inChannels; ++j)
                        values[out.index(o, j, y, x)] =
                            w.at(o, int(std::int64_t(j) * oldIn / inChannels), y, x) *
                            float(oldIn) / float(inChannels);
                }
            }
    w = std::move(out);
}

namespace {

float* filterData(Conv2d& conv, int filter) {
    return conv.weights.values.write().data() + conv.weights.index(filter, 0, 0, 0);
}
std::size_t filterSize(const Conv2d& conv) {
    return std::size_t(conv.weights.in_channels) * conv.weights.kernel_h * conv.weights.kernel_w;
}

} // namespace

bool normaliseFilter(Conv2d& conv, int filter) {
    float* f = filterData(conv, filter);
    double sum = 0;
    for (std::size_t i = 0; i < filterSize(conv); ++i)
        sum += f[i];
    if (std::abs(sum) < 1e-12)
        return false;
    for (std::size_t i = 0; i < filterSize(conv); ++i)
        f[i] = float(f[i] / sum);
    return true;
}

void flipFilter(Conv2d& conv, int filter, bool horizontal) {
    ConvWeights& w = conv.weights;
    std::vector<float>& values = w.values.write();
    for (int i = 0; i < w.in_channels; ++i)
        for (int y = 0; y < w.kernel_h; ++y)
            for (int x = 0; x < w.kernel_w; ++x) {
                const int ty = horizontal ? y : w.kernel_h - 1 - y;
                const int tx = horizontal ? w.kernel_w - 1 - x : x;
                if (std::make_pair(ty, tx) > std::make_pair(y, x))
                    std::swap(values[w.index(filter, i, y, x)], values[w.index(filter, i, ty, tx)]);
            }
}

void transposeFilter(Conv2d& conv, int filter) {
    ConvWeights& w = conv.weights;
    if (w.kernel_h == w.kernel_w) {
        std::vector<float>& values = w.values.write();
        for (int i = 0; i < w.in_channels; ++i)
            for (int y = 0; y < w.kernel_h; ++y)
                for (int x = y + 1; x < w.kernel_w; ++x)
                    std::swap(values[w.index(filter, i, y, x)], values[w.index(filter, i, x, y)]);
        return;
    }
    ConvWeights out{w.out_channels, w.in_channels, w.kernel_w, w.kernel_h, w.values};
    for (int o = 0; o < w.out_channels; ++o)
        for (int i = 0; i < w.in_channels; ++i)
            for (int y = 0; y < w.kernel_h; ++y)
                for (int x = 0; x < w.kernel_w; ++x)
                    out.set(o, i, x, y, w.at(o, i, y, x));
    w = std::move(out);
}

void randomiseFilter(Conv2d& conv, int filter, std::mt19937& rng) {
    // Kaiming-style scale: the map keeps roughly the input's contrast.
    std::normal_distribution<float> normal(
        0.0f, 1.0f / std::sqrt(float(std::max<std::size_t>(1, filterSize(conv)))));
    float* f = filterData(conv, filter);
    for (std::size_t i = 0; i < filterSize(conv); ++i)
        f[i] = std::round(normal(rng) * 1000.0f) / 1000.0f;
}

void zeroFilter(Conv2d& conv, int filter) {
    std::fill_n(filterData(conv, filter), filterSize(conv), 0.0f);
}

namespace {
bool sameShape(const Conv2d& a, const Conv2d& b) {
    return a.weights.out_channels == b.weights.out_channels &&
           a.weights.in_channels == b.weights.in_channels &&
           a.weights.kernel_h == b.weights.kernel_h && a.weights.kernel_w == b.weights.kernel_w;
}
} // namespace

bool restoreFilter(Conv2d& conv, int filter, const Conv2d& original) {
    if (!sameShape(conv, original) || filter < 0 || filter >= conv.weights.out_channels)
        return false;
    const std::size_t n = filterSize(conv);
    const float* source = original.weights.values.data() + original.weights.index(filter, 0, 0, 0);
    std::copy_n(source, n, filterData(conv, filter));
    if (!original.bias.empty()) {
        if (conv.bias.empty())
            conv.bias.assign(std::size_t(conv.weights.out_channels), 0.0f);
        conv.bias.write()[std::size_t(filter)] = original.bias[std::size_t(filter)];
    } else if (!conv.bias.empty()) {
        conv.bias.write()[std::size_t(filter)] = 0.0f;
    }
    return true;
}

bool filterMatches(const Conv2d& conv, int filter, const Conv2d& original) {
    if (!sameShape(conv, original) || filter < 0 || filter >= conv.weights.out_channels)
        return false;
    const std::size_t n = filterSize(conv);
    const float* a = conv.weights.values.data() + conv.weights.index(filter, 0, 0, 0);
    const float* b = original.weights.values.data() + original.weights.index(filter, 0, 0, 0);
    if (!std::equal(a, a + n, b))
        return false;
    const float biasA = conv.bias.empty() ? 0.0f : conv.bias[std::size_t(filter)];
    const float biasB = original.bias.empty() ? 0.0f : original.bias[std::size_t(filter)];
    return biasA == biasB;
}

void applyPreset(Conv2d& conv, int filter, const std::vector<std::vector<float>>& kernel) {
    if (kernel.empty() || kernel[0].empty())
        return;
    const int kh = int(kernel.size()), kw = int(kernel[0].size());
    if (conv.weights.kernel_h != kh || conv.weights.kernel_w != kw)
        resizeKernel(conv, kh, kw);
    const float scale = 1.0f / float(conv.weights.in_channels);
    for (int i = 0; i < conv.weights.in_channels; ++i)
        for (int y = 0; y < kh; ++y)
            for (int x = 0; x < kw; ++x)
                conv.weights.set(filter, i, y, x,
                                 kernel[y][std::min<std::size_t>(x, kernel[y].size() - 1)] * scale);
}

bool filterIsPreset(const Conv2d& conv, int filter, const std::vector<std::vector<float>>& kernel) {
    const ConvWeights& w = conv.weights;
    if (kernel.empty() || kernel[0].empty() || filter < 0 || filter >= w.out_channels ||
        w.kernel_h != int(kernel.size()) || w.kernel_w != int(kernel[0].size()))
        return false;
    const float scale = 1.0f / float(w.in_channels);
    for (int i = 0; i < w.in_channels; ++i)
        for (int y = 0; y < w.kernel_h; ++y)
            for (int x = 0; x < w.kernel_w; ++x)
                if (w.at(filter, i, y, x) !=
                    kernel[y][std::min<std::size_t>(x, kernel[y].size() - 1)] * scale)
                    return false;
    return true;
}

QString filterToText(const Conv2d& conv, int filter) {
    const ConvWeights& w = conv.weights;
    QStringList channels;
    for (int i = 0; i < w.in_channels; ++i) {
        QStringList rows;
        for (int y = 0; y < w.kernel_h; ++y) {
            QStringList cells;
            for (int x = 0; x < w.kernel_w; ++x)
                cells << QString::number(w.at(filter, i, y, x), 'g', 7);
            rows << cells.join(QLatin1Char(' '));
        }
        channels << rows.join(QLatin1Char('\n'));
    }
    return channels.join(QStringLiteral("\n\n")) + QLatin1Char('\n');
}

bool filterFromText(const QString& text, Conv2d& conv, int filter, QString* error) {
    // Blocks of rows separated by blank lines (or by "]]" in nested-list form).
    QString normalised = text;
    normalised.replace(QRegularExpression(QStringLiteral("\\]\\s*,?\\s*\\[\\s*\\[")),
                       QStringLiteral("\n\n"));
    normalised.replace(QRegularExpression(QStringLiteral("\\]\\s*,?\\s*\\[")),
                       QStringLiteral("\n"));
    normalised.replace(QRegularExpression(QStringLiteral("[\\[\\]]")), QStringLiteral(" "));
    std::vector<std::vector<std::vector<float>>> blocks(1);
    const QStringList lines = normalised.split(QLatin1Char('\n'));
    for (const QString& line : lines) {
        const QStringList cells =
            line.split(QRegularExpression(QStringLiteral("[\\s,;]+")), Qt::SkipEmptyParts);
        if (cells.isEmpty()) {
            if (!blocks.back().empty())
                blocks.emplace_back();
            continue;
        }
        std::vector<float> row;
        for (const QString& cell : cells) {
            bool ok = false;
            const float v = cell.toFloat(&ok);
            if (!ok || !std::isfinite(v)) {
                if (error)
                    *error = QStringLiteral("\"%1\" is not a number").arg(cell);
                return false;
            }
            row.push_back(v);
        }
        blocks.back().push_back(std::move(row));
    }
    if (blocks.back().empty())
        blocks.pop_back();
    if (blocks.empty()) {
        if (error)
            *error = QStringLiteral("no numbers in the text");
        return false;
    }
    const int kh = int(blocks[0].size()), kw = int(blocks[0][0].size());
    for (const auto& block : blocks) {
        if (int(block.size()) != kh) {
            if (error)
                *error = QStringLiteral("every channel needs %1 rows").arg(kh);
            return false;
        }
        for (const auto& row : block)
            if (int(row.size()) != kw) {
                if (error)
                    *error = QStringLiteral("every row needs %1 values").arg(kw);
                return false;
            }
    }
    if (kh > 15 || kw > 15) {
        if (error)
            *error = QStringLiteral("kernels go up to 15×15");
        return false;
    }
    const int n = int(blocks.size());
    if (n != 1 && n != conv.weights.in_channels) {
        if (error)
            *error = QStringLiteral("%1 kernels for %2 input channels")
                         .arg(n)
                         .arg(conv.weights.in_channels);
        return false;
    }
    if (conv.weights.kernel_h != kh || conv.weights.kernel_w != kw)
        resizeKernel(conv, kh, kw);
    for (int i = 0; i < conv.weights.in_channels; ++i)
        for (int y = 0; y < kh; ++y)
            for (int x = 0; x < kw; ++x)
                conv.weights.set(filter, i, y, x, blocks[n == 1 ? 0 : i][y][x]);
    return true;
}

// PyTorch's class name for the layer, as a user who knows torch.nn would look for it.
QString layerTypeTitle(const Layer& layer) {
    if (std::holds_alternative<Conv2d>(layer.op))
        return QStringLiteral("Conv2d");
    if (const auto* pool = std::get_if<Pool2d>(&layer.op))
        return pool->kind == PoolKind::Max ? QStringLiteral("MaxPool2d")
                                           : QStringLiteral("AvgPool2d");
    if (const auto* act = std::get_if<Activation>(&layer.op)) {
        switch (act->kind) {
        case ActivationKind::ReLU:
            return QStringLiteral("ReLU");
        case ActivationKind::LeakyReLU:
            return QStringLiteral("LeakyReLU");
        case ActivationKind::Sigmoid:
            return QStringLiteral("Sigmoid");
        case ActivationKind::Tanh:
            return QStringLiteral("Tanh");
        case ActivationKind::PReLU:
            return QStringLiteral("PReLU");
        case ActivationKind::ELU:
            return QStringLiteral("ELU");
        case ActivationKind::HardSigmoid:
            return QStringLiteral("Hardsigmoid");
        case ActivationKind::HardSwish:
            return QStringLiteral("Hardswish");
        case ActivationKind::Clip:
            return act->clip_min == 0.0f && act->clip_max == 6.0f ? QStringLiteral("ReLU6")
                                                                  : QStringLiteral("Clip");
        }
        return {};
    }
    if (std::holds_alternative<BatchNorm2d>(layer.op))
        return QStringLiteral("BatchNorm2d");
    if (std::holds_alternative<Add>(layer.op))
        return QStringLiteral("Add");
    if (std::holds_alternative<Concat>(layer.op))
        return QStringLiteral("Concat");
    if (const auto* pool = std::get_if<GlobalPool2d>(&layer.op))
        return pool->kind == PoolKind::Max ? QStringLiteral("AdaptiveMaxPool2d(1)")
                                           : QStringLiteral("AdaptiveAvgPool2d(1)");
    if (const auto* pad = std::get_if<Pad2d>(&layer.op)) {
        switch (pad->mode) {
        case PaddingMode::Zeros:
            return pad->value == 0.0f ? QStringLiteral("ZeroPad2d")
                                      : QStringLiteral("ConstantPad2d");
        case PaddingMode::Reflect:
            return QStringLiteral("ReflectionPad2d");
        case PaddingMode::Replicate:
            return QStringLiteral("ReplicationPad2d");
        case PaddingMode::Circular:
            return QStringLiteral("CircularPad2d");
        }
        return {};
    }
    if (std::holds_alternative<Flatten>(layer.op))
        return QStringLiteral("Flatten");
    if (std::holds_alternative<Linear>(layer.op))
        return QStringLiteral("Linear");
    return QStringLiteral("Softmax");
}

QString describeLayer(const Layer& layer) {
    const QChar times(0x00D7);
    if (const auto* conv = std::get_if<Conv2d>(&layer.op)) {
        const ConvWeights& w = conv->weights;
        QString s = QStringLiteral("Conv %1→%2, %3%4%5")
                        .arg(w.in_channels * conv->groups)
                        .arg(w.out_channels)
                        .arg(w.kernel_h)
                        .arg(times)
                        .arg(w.kernel_w);
        if (conv->stride != Pair{1, 1})
            s += QStringLiteral(", stride %1").arg(conv->stride.h);
        if (conv->dilation != Pair{1, 1})
            s += QStringLiteral(", dilation %1").arg(conv->dilation.h);
        if (conv->groups != 1)
            s += QStringLiteral(", groups %1").arg(conv->groups);
        return s;
    }
    if (const auto* pool = std::get_if<Pool2d>(&layer.op))
        return QStringLiteral("%1 pool %2%3%4")
            .arg(pool->kind == PoolKind::Max ? QStringLiteral("Max") : QStringLiteral("Avg"))
            .arg(pool->kernel_size.h)
            .arg(times)
            .arg(pool->kernel_size.w);
    return layerTypeTitle(layer);
}

} // namespace convscope::ui
