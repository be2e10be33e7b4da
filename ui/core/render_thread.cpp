#include "render_thread.hpp"

#include "map_data.hpp"

#include "convscope/memory_budget.hpp"
#include "convscope/reference_timing.hpp"

#include <QCoreApplication>
#include <QMutexLocker>
#include <QUnhandledException>
#include <QtConcurrent/QtConcurrentMap>

#include <algorithm>
#include <chrono>
#include <exception>
#include <limits>
#include <new>

namespace convscope::ui {

namespace {

using Clock = std::chrono::steady_clock;

// Pipelines of at most this many maps get every map's thumbnail whatever the request asks.
constexpr std::size_t kEveryThumbnailMaps = 1024;

// Maps above this many pixels are shown large at most kLargeFocusSide pixels wide.
constexpr std::int64_t kMaxFocusPixels = 4'200'000;
constexpr int kLargeFocusSide = 2560;

double steadyMs(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(t.time_since_epoch()).count();
}

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

QString translated(const char* text) {
    return QCoreApplication::translate("RenderThread", text);
}

// What the user is told when a run would need more memory than the budget allows.
QString memoryMessage(const MemoryError& error) {
    return translated("not enough memory: %1. Work on a scaled copy of the image (File ▸ Open "
                      "image offers one), or make the layers smaller.")
        .arg(QString::fromUtf8(error.what()));
}

// What the user is told about a run that threw: a PipelineError names its layer; anything else
// (out of memory, a bug) stops the whole run. Exceptions thrown on the picture threads arrive
// wrapped by Qt Concurrent.
RunError failureOf(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const QUnhandledException& wrapped) {
        if (wrapped.exception())
            return failureOf(wrapped.exception());
    } catch (const PipelineError& e) {
        return RunError{e.layer_index(), QString::fromStdString(e.field()),
                        QString::fromUtf8(e.what())};
    } catch (const MemoryError& e) {
        // The estimate said the run fits, but the budget changed in between.
        return RunError{-1, QString(), memoryMessage(e)};
    } catch (const std::bad_alloc&) {
        return RunError{
            -1, QString(),
            translated("Not enough memory to compute the maps of this pipeline on this image; "
                       "try a smaller image or fewer channels")};
    } catch (const std::exception& e) {
        return RunError{-1, QString(),
                        translated("The computation failed: %1").arg(QString::fromUtf8(e.what()))};
    } catch (...) {
    }
    return RunError{-1, QString(), translated("The computation failed for an unknown reason")};
}

} // namespace

RenderThread::RenderThread(QObject* parent) : QThread(parent), makeBackend_(make_backend) {
    qRegisterMetaType<std::shared_ptr<const RenderResult>>();
    qRegisterMetaType<std::shared_ptr<const ReferenceTimings>>();
    qRegisterMetaType<std::shared_ptr<const MapSnapshot>>();
    sinceDelivery_.start();
}

void RenderThread::setBackendFactory(BackendFactory factory) {
    QMutexLocker lock(&mutex_);
    Q_ASSERT(!isRunning());
    makeBackend_ = std::move(factory);
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

void RenderThread::setForceReference(bool force) {
    QMutexLocker lock(&mutex_);
    forceReference_ = force;
}

int RenderThread::completedRuns() const {
    QMutexLocker lock(&mutex_);
    return completedRuns_;
}

void RenderThread::run() {
    {
        QMutexLocker lock(&mutex_);
        fast_ = makeBackend_(BackendKind::Fast);
        naive_ = makeBackend_(BackendKind::Naive);
    }
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
        try {
            measureReference(job);
        } catch (const std::exception&) {
            // Memory the reference runs would need beyond the budget: no reference timing.
        }
        QMutexLocker lock(&mutex_);
        measuring_ = false;
    }
    fast_.reset();
    naive_.reset();
}

int RenderThread::layersWithinBudget(const Backend& backend, const Pipeline& pipeline, Shape input,
                                     int runnable, std::optional<RunError>* error) {
    const auto fits = [&](int count) {
        RunOptions options;
        options.layer_count = count;
        return backend.estimate_memory(pipeline, input, options).total() <= memory_budget();
    };
    if (runnable == 0 || fits(runnable))
        return runnable;
    // The estimate only grows with the layers run: the longest prefix that fits, by bisection.
    int low = 0, high = runnable; // fits(low), !fits(high)
    while (high - low > 1) {
        const int mid = (low + high) / 2;
        (fits(mid) ? low : high) = mid;
    }
    if (!error)
        return low;
    try {
        RunOptions options;
        options.layer_count = high;
        backend.check_memory(pipeline, input, options);
    } catch (const MemoryError& e) {
        *error = RunError{high - 1, QString(), memoryMessage(e)};
    }
    return low;
}

void RenderThread::process(const RenderRequest& job) {
    auto result = std::make_shared<RenderResult>();
    result->generation = job.generation;
    result->revision = job.revision;
    result->requestedAt = job.requestedAt;
    result->startedAt = steadyMs(Clock::now());
    result->focus = job.focus;
    // Every job ends in a result the user sees, a failure included: the busy indicator waits for
    // it, and an exception must not leave QThread::run (it would end the application).
    std::optional<RunError> failure;
    try {
        if (!render(job, *result))
            return; // cancelled: a newer request is waiting
    } catch (...) {
        failure = failureOf(std::current_exception());
    }
    if (failure)
        showInputOnly(*result, job, *failure);
    const bool ran = !result->layers.empty();
    deliver(std::move(result), job, ran);
}

void RenderThread::showInputOnly(RenderResult& result, const RenderRequest& job, RunError error) {
    // Nothing of the run can be shown (the engine returns no partial runs): the input, so the
    // view is not left on maps of an earlier state, and the error.
    const RenderResult kept = result;
    result = RenderResult{};
    result.generation = kept.generation;
    result.revision = kept.revision;
    result.requestedAt = kept.requestedAt;
    result.startedAt = kept.startedAt;
    result.backend = kept.backend;
    result.error = std::move(error);
    result.focus = MapId{-1, 0};
    // What the engine and the summaries hold may be half a run now: start afresh next time.
    cachedValidLayers_ = 0;
    inputThumbnail_ = QImage();
    if (job.keepMaps) { // the panels learn of the failure too, and do not ask again
        auto maps = std::make_shared<MapSnapshot>();
        maps->generation = job.generation;
        maps->revision = job.revision;
        maps->pipeline.input_mode = job.pipeline.input_mode;
        maps->pipeline.normalization = job.pipeline.normalization;
        maps->pipeline.input_size = job.pipeline.input_size;
        maps->pipeline.input_fit = job.pipeline.input_fit;
        maps->input = job.input;
        maps->error = result.error;
        result.maps = std::move(maps);
    }
    if (!job.input || job.input->empty())
        return;
    result.inputShape = job.input->shape();
    try {
        result.inputThumbnail = inputPicture(*job.input, job.thumbnailSize);
        result.focusImage = inputPicture(*job.input, job.focusSize);
        result.focusMapSize = QSize(job.input->width(), job.input->height());
        result.focusIsColourImage = true;
        result.focusRange = ValueRange{0.0f, 1.0f};
        result.focusColormap = Colormap::Gray;
    } catch (...) {
        // Out of memory even for the picture: the error alone.
    }
}

void RenderThread::deliver(std::shared_ptr<RenderResult> result, const RenderRequest& job,
                           bool ran) {
    {
        QMutexLocker lock(&mutex_);
        sinceDelivery_.restart();
        if (job.measureReference && !pending_ && ran)
            referenceJob_ = job;
    }
    result->deliveredAt = steadyMs(Clock::now());
    Q_EMIT rendered(std::move(result));
}

bool RenderThread::render(const RenderRequest& job, RenderResult& out) {
    RenderResult* result = &out;
    if (!job.input || job.input->empty()) {
        result->error = RunError{-1, QString(), tr("The input image is empty")};
        return true;
    }
    const Tensor& input = *job.input;
    result->inputShape = input.shape();

    // Everything before the first bad layer runs, nothing after it (the engine's plan).
    const PipelinePlan plan = plan_pipeline(job.pipeline, input.shape());
    if (plan.error)
        result->error =
            RunError{plan.error->layer_index(), QString::fromStdString(plan.error->field()),
                     QString::fromUtf8(plan.error->what())};
    const Pipeline& runnable = job.pipeline;
    Backend& backend = job.backend == BackendKind::Naive ? *naive_ : *fast_;
    // And only as much as fits the memory budget: the layers from the first that does not fit
    // are marked as layers that cannot run, with the figure.
    const int n =
        layersWithinBudget(backend, runnable, input.shape(), plan.runnable(), &result->error);
    result->shapes.assign(plan.shapes.begin(), plan.shapes.begin() + n);
    result->backend = QString::fromStdString(backend.name());
    const RunResult* run = nullptr;
    int from = n;
    if (n > 0) {
        RunOptions options;
        options.cancel = &cancel_;
        options.layer_count = n;
        const auto engineStart = Clock::now();
        run = &backend.run(runnable, job.input, options);
        result->engineMs = msSince(engineStart);
        if (run->cancelled)
            return false;
        from = run->first_computed;
        if (from < n) {
            QMutexLocker lock(&mutex_);
            ++completedRuns_;
        }
    }
    if (job.keepMaps) {
        // The panels' values: the engine's outputs, shared (the next run computes into new ones).
        auto maps = std::make_shared<MapSnapshot>();
        maps->generation = job.generation;
        maps->revision = job.revision;
        // Everything but the layers that did not run (what is done to the input included: an
        // export records it).
        maps->pipeline.input_mode = runnable.input_mode;
        maps->pipeline.normalization = runnable.normalization;
        maps->pipeline.input_size = runnable.input_size;
        maps->pipeline.input_fit = runnable.input_fit;
        maps->pipeline.description = runnable.description;
        maps->pipeline.layers.assign(runnable.layers.begin(), runnable.layers.begin() + n);
        maps->input = job.input;
        if (run)
            maps->run = *run;
        maps->error = result->error;
        result->maps = std::move(maps);
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
    // input's. With the default stack that halves the bytes read, since every conv is followed
    // by a ReLU. Thumbnails are made only for the maps the request asks for (the tiles on
    // screen): a ResNet's 10 000 maps cost a few hundred thumbnails per edit, and the unchanged
    // layers' maps get theirs when they come into view (from the engine's cached maps).
    enum class Work {
        Read,         // a changed map: its range from a full read
        Derive,       // a changed map whose range follows from the previous layer's
        ThumbnailOnly // an unchanged map scrolled into view: its thumbnail, the range kept
    };
    struct Item {
        int layer;
        int channel;
        Work work;
        bool thumbnail;
    };
    // A pipeline of few maps (the default stack) gets every thumbnail: cheap, and no tile ever
    // waits for its own.
    std::size_t mapCount = 0;
    for (int i = 0; i < n; ++i)
        mapCount += std::size_t(run->layers[i].output->channels());
    const bool everyThumbnail = !job.thumbnailMaps || mapCount <= kEveryThumbnailMaps;
    const auto wanted = [&](int layer) {
        if (everyThumbnail)
            return ChannelSpan{0, std::numeric_limits<int>::max()};
        const auto& spans = *job.thumbnailMaps;
        return layer < int(spans.size()) ? spans[layer] : ChannelSpan{};
    };
    std::vector<Item> items;
    for (int i = 0; i < from; ++i) {
        const ChannelSpan span = wanted(i);
        const int end = std::min(span.end, int(summaries_[i].size()));
        for (int c = std::max(0, span.first); c < end; ++c)
            if (summaries_[i][c]->values.empty())
                items.push_back({i, c, Work::ThumbnailOnly, true});
    }
    for (int i = from; i < n; ++i) {
        const Layer& layer = runnable.layers[i];
        const auto* act = std::get_if<Activation>(&layer.op);
        const bool readsPrevious =
            i > 0 && input_count(layer) == 1 && input_index(layer, i, 0) == i - 1;
        const bool derived =
            readsPrevious && (!layer.enabled || (act && act->kind == ActivationKind::ReLU));
        const int channels = run->layers[i].output->channels();
        const ChannelSpan span = wanted(i);
        summaries_[i].assign(channels, nullptr);
        for (int c = 0; c < channels; ++c)
            items.push_back({i, c, derived ? Work::Derive : Work::Read, span.contains(c)});
    }
    const int thumb = job.thumbnailSize;
    QtConcurrent::blockingMap(items, [&](const Item& item) {
        if (cancel_.is_cancelled())
            return;
        const Tensor& out = *run->layers[item.layer].output;
        std::shared_ptr<MapSummary>& slot = summaries_[item.layer][item.channel];
        switch (item.work) {
        case Work::Read:
            slot = std::make_shared<MapSummary>(item.thumbnail
                                                    ? summariseMap(out, item.channel, thumb)
                                                    : mapRangeOnly(out, item.channel, thumb));
            break;
        case Work::Derive: {
            auto summary = std::make_shared<MapSummary>();
            if (item.thumbnail) {
                *summary = sampleThumbnail(out, item.channel, thumb);
            } else {
                const QSize size = thumbnailSizeFor(out.width(), out.height(), thumb);
                summary->width = size.width();
                summary->height = size.height();
            }
            slot = std::move(summary);
            break;
        }
        case Work::ThumbnailOnly: {
            // The cached summary is shared with results on screen: replaced, never changed.
            auto summary = std::make_shared<MapSummary>(sampleThumbnail(out, item.channel, thumb));
            summary->range = slot->range;
            summary->allFinite = slot->allFinite;
            slot = std::move(summary);
            break;
        }
        }
    });
    if (cancel_.is_cancelled())
        return false; // summaries up to cachedValidLayers_ (= from) stay valid
    for (const Item& item : items) {
        if (item.work != Work::Derive)
            continue;
        const MapSummary& source = *summaries_[item.layer - 1][item.channel];
        MapSummary& s = *summaries_[item.layer][item.channel];
        if (!source.allFinite) { // NaN through a ReLU depends on the kernel: read the map
            s.range = map_range(*run->layers[item.layer].output, item.channel, &s.allFinite);
        } else if (!runnable.layers[item.layer].enabled) {
            s.range = source.range;
        } else {
            s.range =
                ValueRange{std::max(source.range.min, 0.0f), std::max(source.range.max, 0.0f)};
        }
    }
    cachedValidLayers_ = n;

    // Ranges per the normalisation (colourRange's rule), then colours.
    std::vector<ValueRange> layerRanges;
    result->layers.resize(n);
    for (int i = 0; i < n; ++i) {
        LayerRender& layer = result->layers[i];
        layer.shape = run->layers[i].output->shape();
        layer.ms = run->layers[i].ms;
        layer.kernel = QString::fromStdString(run->layers[i].kernel);
        layer.recomputed = i >= from;
        std::vector<ValueRange> own;
        for (const auto& s : summaries_[i])
            own.push_back(s->range);
        layer.range = unitedRange(own);
        if (!own.empty())
            layerRanges.push_back(layer.range);
    }
    const ValueRange global = unitedRange(layerRanges);
    for (int i = 0; i < n; ++i) {
        LayerRender& layer = result->layers[i];
        layer.maps.resize(summaries_[i].size());
        for (std::size_t c = 0; c < summaries_[i].size(); ++c) {
            const MapSummary& s = *summaries_[i][c];
            const ValueRange basis = colourRange(
                MapId{i, int(c)}, job.display.normalisation, [&] { return s.range; },
                [&] { return layer.range; }, [&] { return global; });
            MapRender& map = layer.maps[c];
            map.range = s.range;
            map.colormap = resolve_colormap(job.display.colormap, basis);
            map.shownRange = display_range(map.colormap, basis);
            map.summary = summaries_[i][c]; // coloured when drawn (MapRender::thumbnail)
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
    return true;
}

void RenderThread::measureReference(const RenderRequest& job) {
    const Pipeline& pipeline = job.pipeline;
    const Shape inputShape = job.input->shape();
    const PipelinePlan plan = plan_pipeline(pipeline, inputShape);
    bool force;
    {
        QMutexLocker lock(&mutex_);
        force = forceReference_;
    }
    ReferenceOptions options;
    options.cancel = &cancel_;
    options.time_naive = force || pipeline_flops(pipeline, inputShape) <= kNaiveReferenceFlopLimit;
    // The layers the live view ran: those that fit the memory budget on both backends timed.
    int n = layersWithinBudget(*fast_, pipeline, inputShape, plan.runnable());
    if (options.time_naive)
        n = layersWithinBudget(*naive_, pipeline, inputShape, n);
    options.layer_count = n;
    const std::vector<Layer> layers(pipeline.layers.begin(), pipeline.layers.begin() + n);
    if (referenceValid_ && referenceInput_ == job.input.get() &&
        referenceMode_ == pipeline.input_mode && referenceLayers_ == layers &&
        (referenceTimedNaive_ || !options.time_naive))
        return; // already timed

    auto timings = std::make_shared<ReferenceTimings>();
    timings->generation = job.generation;
    timings->skipped = !options.time_naive;
    try {
        const ReferenceTimes times = time_references(pipeline, job.input, *fast_, *naive_, options);
        if (times.cancelled) {
            referenceValid_ = false;
            return;
        }
        timings->fastMs = times.fast_ms;
        for (const std::string& kernel : times.fast_kernels)
            timings->fastKernels << QString::fromStdString(kernel);
        timings->naiveMs = times.naive_ms;
        timings->opencv = times.opencv;
        timings->opencvNet = times.opencv_net;
        timings->naiveTotalMs = times.naive_total_ms;
    } catch (...) {
        timings->failure = failureOf(std::current_exception()).message;
    }
    // Timed (or failed) on these layers: not again until they change, or until the naive loops
    // are asked for where they were skipped.
    referenceValid_ = true;
    referenceTimedNaive_ = options.time_naive;
    referenceLayers_ = layers;
    referenceInput_ = job.input.get();
    referenceMode_ = pipeline.input_mode;
    Q_EMIT referenceTimed(timings);
}

} // namespace convscope::ui
