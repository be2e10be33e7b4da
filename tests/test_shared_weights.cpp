// Copy-on-write weights: copies of a pipeline share their weight storage until one of them
// writes, a write copies only the storage it touches, and an unchanged layer compares equal to
// its copy without looking at its values.

#include "convscope/backend.hpp"
#include "convscope/layer.hpp"
#include "convscope/pipeline.hpp"
#include "convscope/shared_vector.hpp"

#include <QtTest/QtTest>

#include <cmath>
#include <limits>
#include <numeric>
#include <thread>
#include <vector>

using namespace convscope;

namespace {

Conv2d conv(int out, int in, int k) {
    Conv2d c;
    c.weights = ConvWeights{out, in, k, k, std::vector<float>(std::size_t(out) * in * k * k, 0.5f)};
    c.bias.assign(out, 0.25f);
    c.padding = ConvPadding::same();
    return c;
}

BatchNorm2d batch_norm(int channels) {
    BatchNorm2d bn;
    bn.weight.assign(channels, 1.0f);
    bn.bias.assign(channels, 0.0f);
    bn.running_mean.assign(channels, 0.1f);
    bn.running_var.assign(channels, 2.0f);
    return bn;
}

Layer layer(std::string name, LayerOp op) {
    Layer l;
    l.name = std::move(name);
    l.op = std::move(op);
    return l;
}

// conv → batch norm → relu → conv → global pool → flatten → linear
Pipeline network() {
    Pipeline p;
    p.input_mode = InputMode::Rgb;
    p.layers.push_back(layer("conv1", conv(8, 3, 3)));
    p.layers.push_back(layer("bn1", batch_norm(8)));
    Activation prelu;
    prelu.kind = ActivationKind::PReLU;
    prelu.slopes.assign(8, 0.2f);
    p.layers.push_back(layer("prelu", prelu));
    p.layers.push_back(layer("conv2", conv(16, 8, 3)));
    p.layers.push_back(layer("pool", GlobalPool2d{}));
    p.layers.push_back(layer("flat", Flatten{}));
    Linear fc;
    fc.in_features = 16;
    fc.out_features = 10;
    fc.weight.assign(160, 0.01f);
    fc.bias.assign(10, 0.0f);
    p.layers.push_back(layer("fc", fc));
    return p;
}

// Every weight vector of a layer, in a fixed order.
std::vector<const SharedVector<float>*> storage_of(const Layer& layer) {
    if (const auto* c = std::get_if<Conv2d>(&layer.op))
        return {&c->weights.values, &c->bias};
    if (const auto* bn = std::get_if<BatchNorm2d>(&layer.op))
        return {&bn->weight, &bn->bias, &bn->running_mean, &bn->running_var};
    if (const auto* act = std::get_if<Activation>(&layer.op))
        return {&act->slopes};
    if (const auto* fc = std::get_if<Linear>(&layer.op))
        return {&fc->weight, &fc->bias};
    if (const auto* add = std::get_if<Add>(&layer.op))
        return {&add->constant};
    return {};
}

} // namespace

class TestSharedWeights : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void readsLikeAVector() {
        const SharedVector<float> v{1.0f, 2.0f, 3.0f};
        QCOMPARE(v.size(), std::size_t{3});
        QVERIFY(!v.empty());
        QCOMPARE(v[1], 2.0f);
        QCOMPARE(v.at(2), 3.0f);
        QCOMPARE(std::accumulate(v.begin(), v.end(), 0.0f), 6.0f);
        const std::span<const float> span = v;
        QCOMPARE(span.size(), std::size_t{3});
        QCOMPARE(span.data(), v.data());
        QVERIFY(v == (std::vector<float>{1.0f, 2.0f, 3.0f}));
        QVERIFY_THROWS_EXCEPTION(std::out_of_range, (void)v.at(3));

        const SharedVector<float> none;
        QVERIFY(none.empty());
        QCOMPARE(none.size(), std::size_t{0});
        QVERIFY(none.begin() == none.end());
        QVERIFY(none == SharedVector<float>(std::vector<float>{}));
    }

    void copiesShareUntilOneWrites() {
        SharedVector<float> a(std::vector<float>(1000, 1.0f));
        const float* storage = a.data();
        SharedVector<float> b = a;
        QVERIFY(b.shares_storage_with(a));
        QCOMPARE(b.data(), storage);

        b.write()[10] = 5.0f; // b copies; a keeps its storage and its values
        QVERIFY(!b.shares_storage_with(a));
        QCOMPARE(a.data(), storage);
        QCOMPARE(a[10], 1.0f);
        QCOMPARE(b[10], 5.0f);

        // A vector nobody else holds is written in place.
        const float* own = b.data();
        b.write()[11] = 6.0f;
        QCOMPARE(b.data(), own);

        // assign replaces the values without copying the old ones first.
        SharedVector<float> c = a;
        c.assign(3, 2.0f);
        QCOMPARE(c.size(), std::size_t{3});
        QCOMPARE(a.size(), std::size_t{1000});
        c.push_back(7.0f);
        QCOMPARE(c.back(), 7.0f);
        QCOMPARE(a.back(), 1.0f);
    }

    void sharedStorageComparesWithoutReading() {
        // NaN never equals itself: two separate vectors holding a NaN are unequal, a copy that
        // shares the storage is equal. So the comparison of shared storage reads no value.
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const SharedVector<float> a{1.0f, nan};
        const SharedVector<float> copy = a;
        const SharedVector<float> separate = a.to_vector();
        QVERIFY(copy == a);
        QVERIFY(!(separate == a));

        Layer original = layer("c", conv(2, 1, 3));
        std::get<Conv2d>(original.op).weights.set(0, 0, 0, 0, nan);
        const Layer same = original;
        QVERIFY(same == original);
        Layer rebuilt = original;
        auto& values = std::get<Conv2d>(rebuilt.op).weights.values;
        values = values.to_vector(); // equal values, separate storage
        QVERIFY(!(rebuilt == original));
    }

    void copyingAPipelineCopiesNoWeights() {
        const Pipeline original = network();
        const Pipeline copy = original;
        QVERIFY(copy == original);
        for (std::size_t i = 0; i < original.layers.size(); ++i) {
            const auto a = storage_of(original.layers[i]);
            const auto b = storage_of(copy.layers[i]);
            QCOMPARE(a.size(), b.size());
            for (std::size_t k = 0; k < a.size(); ++k)
                QVERIFY2(a[k]->empty() || a[k]->shares_storage_with(*b[k]),
                         qPrintable(QStringLiteral("layer %1, vector %2").arg(i).arg(k)));
        }
    }

    void editingOneWeightCopiesOnlyThatStorage() {
        const Pipeline before = network();
        Pipeline after = before; // the undo stack's "before" and the document's "after"
        const float old_value = std::get<Conv2d>(before.layers[3].op).weights.at(2, 1, 0, 2);
        std::get<Conv2d>(after.layers[3].op).weights.set(2, 1, 0, 2, -1.0f);

        for (std::size_t i = 0; i < before.layers.size(); ++i) {
            const auto a = storage_of(before.layers[i]);
            const auto b = storage_of(after.layers[i]);
            for (std::size_t k = 0; k < a.size(); ++k) {
                if (a[k]->empty())
                    continue;
                const bool edited = i == 3 && k == 0; // conv2's weights, not its bias
                QVERIFY2(a[k]->shares_storage_with(*b[k]) != edited,
                         qPrintable(QStringLiteral("layer %1, vector %2").arg(i).arg(k)));
            }
            QCOMPARE(before.layers[i] == after.layers[i], i != 3);
        }
        QCOMPARE(std::get<Conv2d>(before.layers[3].op).weights.at(2, 1, 0, 2), old_value);
        QCOMPARE(std::get<Conv2d>(after.layers[3].op).weights.at(2, 1, 0, 2), -1.0f);

        // A second edit of the same layer writes in place: its storage is its own now.
        const float* own = std::get<Conv2d>(after.layers[3].op).weights.values.data();
        std::get<Conv2d>(after.layers[3].op).weights.set(0, 0, 0, 0, 3.0f);
        QCOMPARE(std::get<Conv2d>(after.layers[3].op).weights.values.data(), own);
    }

    // Weights found finite are remembered (by a copy that shares them), so an unchanged layer
    // is not read again by every plan and run; a weight written after a successful run is read
    // again, and a NaN in it is refused with the layer and the field named, by the plan and by the
    // run.
    void aNanWrittenAfterASuccessfulRunIsRefused() {
        Pipeline pipeline;
        pipeline.input_mode = InputMode::Rgb;
        pipeline.layers.push_back(layer("wide", conv(48, 3, 3)));
        pipeline.layers.push_back(layer("deep", conv(64, 48, 3))); // 27 648 weights
        auto input = std::make_shared<Tensor>(3, 12, 10);
        for (int c = 0; c < 3; ++c)
            for (int y = 0; y < 12; ++y)
                for (int x = 0; x < 10; ++x)
                    input->at(c, y, x) = float((c + y * x) % 7) / 7.0f;
        for (BackendKind kind : {BackendKind::Fast, BackendKind::Naive}) {
            Pipeline p = pipeline;
            const auto backend = make_backend(kind);
            QVERIFY(plan_pipeline(p, input->shape()).complete());
            QVERIFY(!backend->run(p, input).cancelled);

            const float nan = std::numeric_limits<float>::quiet_NaN();
            std::get<Conv2d>(p.layers[1].op).weights.set(5, 7, 1, 2, nan);
            const PipelinePlan plan = plan_pipeline(p, input->shape());
            QVERIFY(plan.error);
            QCOMPARE(plan.error->layer_index(), 1);
            QCOMPARE(plan.error->field(), std::string("weights"));
            QVERIFY2(QString::fromStdString(plan.error->what()).contains("layer 2 (conv"),
                     plan.error->what());
            QVERIFY(QString::fromStdString(plan.error->what()).contains("finite"));
            try {
                backend->run(p, input);
                QFAIL("a NaN weight ran");
            } catch (const PipelineError& e) {
                QCOMPARE(e.layer_index(), 1);
                QCOMPARE(e.field(), std::string("weights"));
            }
            // Restored, it runs again.
            std::get<Conv2d>(p.layers[1].op).weights.set(5, 7, 1, 2, 0.5f);
            QVERIFY(plan_pipeline(p, input->shape()).complete());
            QVERIFY(!backend->run(p, input).cancelled);
        }
        // Written where no other pipeline holds the values: refused all the same.
        Pipeline alone = pipeline;
        alone.layers[1] = layer("deep", conv(64, 48, 3));
        QVERIFY(plan_pipeline(alone, input->shape()).complete());
        std::get<Conv2d>(alone.layers[1].op).weights.values.write()[100] =
            std::numeric_limits<float>::infinity();
        const PipelinePlan plan = plan_pipeline(alone, input->shape());
        QVERIFY(plan.error);
        QCOMPARE(plan.error->layer_index(), 1);
        QCOMPARE(plan.error->field(), std::string("weights"));
    }

    void copiesOnOtherThreadsStayUnchanged() {
        // The render thread reads its copy while the GUI thread edits the document's.
        Pipeline document = network();
        const Pipeline rendered = document;
        int changed = 0; // read by this thread only after join()
        std::thread reader([&] {
            for (int round = 0; round < 200; ++round)
                for (float v : std::get<Conv2d>(rendered.layers[0].op).weights.values)
                    changed += v != 0.5f;
        });
        for (int round = 0; round < 200; ++round)
            std::get<Conv2d>(document.layers[0].op).weights.set(0, 0, 1, 1, float(round));
        reader.join();
        QCOMPARE(changed, 0);
        QCOMPARE(std::get<Conv2d>(document.layers[0].op).weights.at(0, 0, 1, 1), 199.0f);
    }
};

QTEST_APPLESS_MAIN(TestSharedWeights)
#include "test_shared_weights.moc"
