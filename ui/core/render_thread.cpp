#include "render_thread.hpp"

#include "convscope/fast_backend.hpp"
#include "convscope/naive_backend.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <QMutexLocker>
#include <QtConcurrent/QtConcurrentMap>

#include <algorithm>
#include <chrono>
#include <limits>

namespace convscope::ui {

namespace {

using Clock = std::chrono::steady_clock;

// Maps above this many pixels are shown large at most kLargeFocusSide pixels wide.
constexpr std::int64_t kMaxFocusPixels = 4'200'000;
constexpr int kLargeFocusSide = 2560;

double steadyMs(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(t.time_since_epoch()).count();
}

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

ValueRange unite(ValueRange a, ValueRange b, bool& any) {
    if (!any) {
        any = true;
        return b;
    }
    return {std::min(a.min, b.min), std::max(a.max, b.max)};
}

cv::Mat wrap(const Tensor& t, int channel) {
    return cv::Mat(t.height(), t.width(), CV_32F, const_cast<float*>(t.row(channel, 0)),
                   t.row_stride() * sizeof(float));
}

// OpenCV's time for the same operation, where it has one: conv with stride 1 and dilation 1
// (filter2D per channel pair), ReLU (cv::max), average pooling with stride = kernel and no padding
// (resize with INTER_AREA). Best of a few runs.
std::optional<double> opencvTime(const Layer& layer, const Tensor& input, Shape outShape,
                                 const CancelToken& cancel) {
    if (!layer.enabled)
        return std::nullopt;
    std::function<void()> op;
    std::vector<cv::Mat> padded;
    if (const auto* conv = std::get_if<Conv2d>(&layer.op)) {
        if (conv->stride != Pair{1, 1} || conv->dilation != Pair{1, 1} ||
            conv->padding_mode == PaddingMode::Circular)
            return std::nullopt;
        const PadSides pad = conv->pad_sides();
        const int border = conv->padding_mode == PaddingMode::Zeros     ? cv::BORDER_CONSTANT
                           : conv->padding_mode == PaddingMode::Reflect ? cv::BORDER_REFLECT_101
                                                                        : cv::BORDER_REPLICATE;
        op = [conv, &input, pad, border, outShape, &cancel]() {
            std::vector<cv::Mat> srcs(input.channels());
            // Cancellation is checked before every OpenCV call: on a 12 MP image one call
            // takes tens of milliseconds, and an edit is waiting behind it.
            for (int c = 0; c < input.channels() && !cancel.is_cancelled(); ++c)
                cv::copyMakeBorder(wrap(input, c), srcs[c], pad.top, pad.bottom, pad.left,
                                   pad.right, border, cv::Scalar(0));
            const ConvWeights& w = conv->weights;
            const int outPerGroup = w.out_channels / conv->groups;
            cv::Mat acc(outShape.height, outShape.width, CV_32F), tmp;
            const cv::Rect roi(0, 0, outShape.width, outShape.height);
            for (int o = 0; o < w.out_channels && !cancel.is_cancelled(); ++o) {
                acc.setTo(0);
                const int g = o / outPerGroup;
                for (int i = 0; i < w.in_channels && !cancel.is_cancelled(); ++i) {
                    cv::Mat k(w.kernel_h, w.kernel_w, CV_32F,
                              const_cast<float*>(&w.values[w.index(o, i, 0, 0)]));
                    cv::filter2D(srcs[g * w.in_channels + i], tmp, CV_32F, k, cv::Point(0, 0), 0,
                                 cv::BORDER_CONSTANT);
                    acc += tmp(roi);
                }
            }
        };
    } else if (const auto* pool = std::get_if<Pool2d>(&layer.op)) {
        if (pool->kind != PoolKind::Avg || pool->stride != pool->kernel_size ||
            pool->padding != Pair{0, 0} || pool->ceil_mode ||
            input.height() % pool->kernel_size.h || input.width() % pool->kernel_size.w)
            return std::nullopt;
        op = [&input, outShape, &cancel]() {
            cv::Mat dst;
            for (int c = 0; c < input.channels() && !cancel.is_cancelled(); ++c)
                cv::resize(wrap(input, c), dst, cv::Size(outShape.width, outShape.height), 0, 0,
                           cv::INTER_AREA);
        };
    } else if (const auto* act = std::get_if<Activation>(&layer.op)) {
        if (act->kind != ActivationKind::ReLU)
            return std::nullopt;
        op = [&input, &cancel]() {
            cv::Mat dst;
            for (int c = 0; c < input.channels() && !cancel.is_cancelled(); ++c)
                cv::max(wrap(input, c), 0.0, dst);
        };
    }
    if (!op)
        return std::nullopt;
    double best = 1e300, spent = 0;
    for (int rep = 0; rep < 5 && (rep == 0 || spent < 200) && !cancel.is_cancelled(); ++rep) {
        const auto start = Clock::now();
        op();
        const double ms = msSince(start);
        best = std::min(best, ms);
        spent += ms;
    }
    return best;
}

} // namespace

RenderThread::RenderThread(QObject* parent) : QThread(parent) {
    qRegisterMetaType<std::shared_ptr<const RenderResult>>();
    qRegisterMetaType<std::shared_ptr<const ReferenceTimings>>();
    sinceDelivery_.start();
}

RenderThread::~RenderThread() {
    {
        QMutexLocker lock(&mutex_);
        abort_ = true;
        cancel_.cancel();
        condition_.wakeOne();
    }
    wait();
}

void RenderThread::render(RenderRequest request) {
    QMutexLocker lock(&mutex_);
    pending_ = std::move(request);
    referenceJob_.reset();
    if (measuring_ || (busy_ && sinceDelivery_.elapsed() < starvationMs_))
        cancel_.cancel();
    if (!isRunning())
        start(QThread::NormalPriority);
    else
        condition_.wakeOne();
}

void RenderThread::setFrameStarvationMs(int ms) {
    QMutexLocker lock(&mutex_);
    starvationMs_ = ms;
}

void RenderThread::setReferenceFlopLimit(double flops, bool force) {
    QMutexLocker lock(&mutex_);
    referenceFlopLimit_ = flops;
    forceReference_ = force;
}

int RenderThread::completedRuns() const {
    QMutexLocker lock(&mutex_);
    return completedRuns_;
}

void RenderThread::run() {
    fast_ = make_backend(BackendKind::Fast);
    naive_ = make_backend(BackendKind::Naive);
    for (;;) {
        mutex_.lock();
        // The reference timing waits until the live view has been quiet for a while: started
        // between two edits of a drag, it would only be cancelled again (and a cancelled fast
        // run leaves the engine's cache for incremental runs incomplete).
        while (!pending_ && !abort_) {
            if (!referenceJob_) {
                condition_.wait(&mutex_);
                continue;
            }
            const qint64 quietFor = referenceDelayMs_ - sinceDelivery_.elapsed();
            if (quietFor <= 0)
                break;
            condition_.wait(&mutex_, QDeadlineTimer(quietFor));
        }
        if (abort_) {
            mutex_.unlock();
            break;
        }
        if (pending_) {
            RenderRequest job = std::move(*pending_);
            pending_.reset();
            cancel_.reset();
            busy_ = true;
            mutex_.unlock();
            process(job);
            QMutexLocker lock(&mutex_);
            busy_ = false;
            continue;
        }
        RenderRequest job = std::move(*referenceJob_);
        referenceJob_.reset();
        cancel_.reset();
        measuring_ = true;
        mutex_.unlock();
        measureReference(job);
        QMutexLocker lock(&mutex_);
        measuring_ = false;
    }
    fast_.reset();
    naive_.reset();
}

void RenderThread::process(const RenderRequest& job) {
    const auto start = Clock::now();
    auto result = std::make_shared<RenderResult>();
    result->generation = job.generation;
    result->requestedAt = job.requestedAt;
    result->startedAt = steadyMs(start);
    result->focus = job.focus;
    if (!job.input || job.input->empty())
        return;
    const Tensor& input = *job.input;
    result->inputShape = input.shape();

    // Everything before the first bad layer runs, nothing after it.
    const PipelinePlan plan = plan_pipeline(job.pipeline, input.shape());
    if (plan.error) {
        result->errorLayer = plan.error->layer_index() >= 0 ? plan.error->layer_index() : -2;
        result->errorField = QString::fromStdString(plan.error->field());
        result->errorMessage = QString::fromUtf8(plan.error->what());
    }
    result->shapes = plan.shapes;
    const Pipeline& runnable = job.pipeline;
    const int n = plan.runnable();
    Backend& backend = job.backend == BackendKind::Naive ? *naive_ : *fast_;
    result->backend = QString::fromStdString(backend.name());
    const RunResult* run = nullptr;
    int from = n;
    if (n > 0) {
        RunOptions options;
        options.cancel = &cancel_;
        options.layer_count = n;
        const auto engineStart = Clock::now();
        try {
            run = &backend.run(runnable, job.input, options);
        } catch (const PipelineError& error) {
            result->errorLayer = error.layer_index();
            result->errorMessage = QString::fromUtf8(error.what());
            return;
        }
        result->engineMs = msSince(engineStart);
        if (run->cancelled)
            return;
        from = run->first_computed;
        if (from < n) {
            QMutexLocker lock(&mutex_);
            ++completedRuns_;
        }
    }
    // The pictures to redo: the layers the engine computed, and all of them when the input or the
    // thumbnail size changed.
    if (cachedInput_ != job.input.get() || cachedMode_ != runnable.input_mode ||
        cachedThumbnailSize_ != job.thumbnailSize)
        from = 0;
    from = std::min({from, cachedValidLayers_, int(cachedLayers_.size())});
    result->fromLayer = from;
    const auto renderStart = Clock::now();

    // Summaries (range + thumbnail values) of the maps that changed.
    if (cachedInput_ != job.input.get() || cachedMode_ != runnable.input_mode ||
        cachedThumbnailSize_ != job.thumbnailSize || inputThumbnail_.isNull()) {
        inputThumbnail_ = inputPicture(input, job.thumbnailSize);
    }
    cachedValidLayers_ = std::min(cachedValidLayers_, from);
    cachedLayers_.assign(runnable.layers.begin(), runnable.layers.begin() + n);
    cachedInput_ = job.input.get();
    cachedMode_ = runnable.input_mode;
    cachedThumbnailSize_ = job.thumbnailSize;
    summaries_.resize(n);
    // Every changed map of every changed layer in one parallel pass (the engine is idle now; one
    // barrier instead of one per layer). Each needs a full read for its exact range, except
    // where the range follows from the previous layer's without reading the map: a ReLU's is
    // max(range, 0) (exact when its input held only finite values), a disabled layer's is its
    // input's. Those only sample their thumbnails. With the default stack that halves the bytes
    // read, since every conv is followed by a ReLU.
    struct Item {
        int layer;
        int channel;
        bool derived;
    };
    std::vector<Item> items;
    for (int i = from; i < n; ++i) {
        const Layer& layer = runnable.layers[i];
        const auto* act = std::get_if<Activation>(&layer.op);
        const bool readsPrevious = i > 0 && input_count(layer) == 1 && input_index(layer, i, 0) == i - 1;
        const bool derived =
            readsPrevious && (!layer.enabled || (act && act->kind == ActivationKind::ReLU));
        const int channels = run->layers[i].output->channels();
        summaries_[i].assign(channels, MapSummary{});
        for (int c = 0; c < channels; ++c)
            items.push_back({i, c, derived});
    }
    const int thumb = job.thumbnailSize;
    QtConcurrent::blockingMap(items, [&](const Item& item) {
        if (cancel_.is_cancelled())
            return;
        const Tensor& out = *run->layers[item.layer].output;
        summaries_[item.layer][item.channel] = item.derived
                                                   ? sampleThumbnail(out, item.channel, thumb)
                                                   : summariseMap(out, item.channel, thumb);
    });
    if (cancel_.is_cancelled())
        return; // summaries up to cachedValidLayers_ (= from) stay valid
    for (const Item& item : items) {
        if (!item.derived)
            continue;
        const MapSummary& source = summaries_[item.layer - 1][item.channel];
        MapSummary& s = summaries_[item.layer][item.channel];
        if (!source.allFinite) { // NaN through a ReLU depends on the kernel: read the map
            s.range = exactRange(*run->layers[item.layer].output, item.channel, &s.allFinite);
        } else if (!runnable.layers[item.layer].enabled) {
            s.range = source.range;
        } else {
            s.range =
                ValueRange{std::max(source.range.min, 0.0f), std::max(source.range.max, 0.0f)};
        }
    }
    cachedValidLayers_ = n;

    // Ranges per the normalisation, then colours.
    bool anyGlobal = false;
    ValueRange global;
    result->layers.resize(n);
    for (int i = 0; i < n; ++i) {
        LayerRender& layer = result->layers[i];
        layer.shape = run->layers[i].output->shape();
        layer.ms = run->layers[i].ms;
        layer.kernel = QString::fromStdString(run->layers[i].kernel);
        layer.recomputed = i >= from;
        bool any = false;
        for (const MapSummary& s : summaries_[i])
            layer.range = unite(layer.range, s.range, any);
        global = unite(global, layer.range, anyGlobal);
    }
    for (int i = 0; i < n; ++i) {
        LayerRender& layer = result->layers[i];
        layer.maps.resize(summaries_[i].size());
        for (std::size_t c = 0; c < summaries_[i].size(); ++c) {
            const MapSummary& s = summaries_[i][c];
            const ValueRange basis = job.display.normalisation == Normalisation::PerMap ? s.range
                                     : job.display.normalisation == Normalisation::PerLayer
                                         ? layer.range
                                         : global;
            MapRender& map = layer.maps[c];
            map.range = s.range;
            map.colormap = resolve_colormap(job.display.colormap, basis);
            map.shownRange = display_range(map.colormap, basis);
            map.thumbnail = colorizeValues(s.values.data(), s.width, s.height, s.width,
                                           map.colormap, map.shownRange);
        }
    }
    result->inputThumbnail = inputThumbnail_;

    // The focused map, box-filtered to the size the view shows it at: a 12 MP map drawn in a
    // 900-pixel view would otherwise be coloured in full here, copied into a pixmap and scaled
    // down on the GUI thread at every frame. The view asks for more when the user zooms in.
    const auto focusStart = Clock::now();
    MapId focus = job.focus;
    if (focus.layer >= n ||
        (focus.layer >= 0 &&
         (focus.channel < 0 || focus.channel >= int(summaries_[focus.layer].size()))))
        focus = MapId{-1, 0};
    result->focus = focus;
    const Tensor& focusTensor = focus.layer < 0 ? input : *run->layers[focus.layer].output;
    QSize focusSize = fittedSize(focusTensor.width(), focusTensor.height(), job.focusSize);
    if (std::int64_t(focusSize.width()) * focusSize.height() > kMaxFocusPixels)
        focusSize = fittedSize(focusSize.width(), focusSize.height(),
                               QSize(kLargeFocusSide, kLargeFocusSide));
    result->focusMapSize = QSize(focusTensor.width(), focusTensor.height());
    if (focus.layer < 0) {
        result->focusImage = inputPicture(input, focusSize);
        result->focusIsColourImage = true;
        result->focusRange = ValueRange{0.0f, 1.0f};
        result->focusColormap = Colormap::Gray;
    } else {
        const MapRender& map = result->layers[focus.layer].maps[focus.channel];
        result->focusImage =
            focusPicture(focusTensor, focus.channel, focusSize, map.colormap, map.shownRange);
        result->focusRange = map.shownRange;
        result->focusColormap = map.colormap;
    }
    result->focusMs = msSince(focusStart);
    result->renderMs = msSince(renderStart);

    {
        QMutexLocker lock(&mutex_);
        sinceDelivery_.restart();
        if (job.measureReference && !pending_ && n > 0)
            referenceJob_ = job;
    }
    result->deliveredAt = steadyMs(Clock::now());
    Q_EMIT rendered(result);
}

void RenderThread::measureReference(const RenderRequest& job) {
    const Pipeline& runnable = job.pipeline;
    const Tensor& input = *job.input;
    const PipelinePlan plan = plan_pipeline(runnable, input.shape());
    const std::vector<Shape>& shapes = plan.shapes;
    const int n = plan.runnable();
    const std::vector<Layer> layers(runnable.layers.begin(), runnable.layers.begin() + n);
    if (referenceValid_ && referenceInput_ == job.input.get() &&
        referenceMode_ == runnable.input_mode && referenceLayers_ == layers)
        return; // already timed

    auto timings = std::make_shared<ReferenceTimings>();
    timings->generation = job.generation;

    double flops = 0;
    for (int i = 0; i < n; ++i)
        flops +=
            layer_cost(runnable.layers[i], i == 0 ? input.shape() : shapes[i - 1], shapes[i]).flops;
    double limit;
    bool force;
    {
        QMutexLocker lock(&mutex_);
        limit = referenceFlopLimit_;
        force = forceReference_;
    }
    const RunResult* reference = nullptr;
    if (flops > limit && !force) {
        timings->skipped = true;
        // The live run's outputs (cached by the engine) are OpenCV's inputs.
        reference = &fast_->run(runnable, job.input, RunOptions{&cancel_, n});
    } else {
        reference = &naive_->run(runnable, job.input, RunOptions{&cancel_, n});
        if (reference->cancelled) {
            referenceValid_ = false;
            return;
        }
        for (const LayerResult& layer : reference->layers)
            timings->naiveMs.push_back(layer.ms);
        timings->naiveTotalMs = reference->total_ms();
        referenceLayers_ = layers;
        referenceInput_ = job.input.get();
        referenceMode_ = runnable.input_mode;
        referenceValid_ = true;
    }
    if (reference->cancelled)
        return;
    for (int i = 0; i < n; ++i) {
        const int source = input_index(runnable.layers[i], i, 0);
        const Tensor& layerInput =
            source == kPipelineInput ? input : *reference->layers[source].output;
        timings->opencvMs.push_back(opencvTime(runnable.layers[i], layerInput, shapes[i], cancel_));
        if (cancel_.is_cancelled())
            return;
    }
    // The fast engine timed like the references, warm and repeated: the live run's own time may
    // include first-run costs (page faults, threads waking up) that would make the comparison
    // unfair.
    timings->fastMs.assign(n, std::numeric_limits<double>::infinity());
    for (int repeat = 0; repeat < 3; ++repeat) {
        const RunResult& run = fast_->run(runnable, job.input, RunOptions{&cancel_, n, false});
        if (run.cancelled)
            return;
        for (int i = 0; i < n; ++i)
            timings->fastMs[i] = std::min(timings->fastMs[i], run.layers[i].ms);
    }
    Q_EMIT referenceTimed(timings);
}

} // namespace convscope::ui
