#pragma once
// What the render thread is asked to do and what it hands back. Plain values: no widgets here.

#include "map_rendering.hpp"

#include "convscope/backend.hpp"
#include "convscope/colormap.hpp"
#include "convscope/pipeline.hpp"
#include "convscope/reference_timing.hpp"
#include "convscope/tensor.hpp"

#include <QImage>
#include <QMetaType>
#include <QSize>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>
#include <vector>

namespace convscope::ui {

// How a map's values are stretched over the colormap.
enum class Normalisation {
    PerMap,   // each map spans its own min..max
    PerLayer, // every map of a layer shares the layer's min..max
    Global,   // every map of every layer shares one min..max
};

struct DisplaySettings {
    Colormap colormap = Colormap::Auto;
    Normalisation normalisation = Normalisation::PerMap;
    friend bool operator==(const DisplaySettings&, const DisplaySettings&) = default;
};

// The map shown large: a layer (-1: the input image) and one of its channels.
struct MapId {
    int layer = -1;
    int channel = 0;
    friend bool operator==(const MapId&, const MapId&) = default;
};

// The maps of one layer whose thumbnails are wanted: channels [first, end).
struct ChannelSpan {
    int first = 0;
    int end = 0;
    bool contains(int channel) const { return channel >= first && channel < end; }
    friend bool operator==(const ChannelSpan&, const ChannelSpan&) = default;
};

struct RenderRequest {
    quint64 generation = 0;
    quint64 revision = 0; // Document::revision() of the pipeline and input below
    Pipeline pipeline;
    std::shared_ptr<const Tensor> input;
    DisplaySettings display;
    MapId focus;
    BackendKind backend = BackendKind::Fast;
    int thumbnailSize = 112; // longest side of an overview thumbnail, in device pixels
    // Whose thumbnails to make, per layer (the tiles on screen or near it; layers past the end
    // get none). Empty optional: every map's. The others get their range only; a later request
    // that wants them makes them from the engine's cached maps.
    std::optional<std::vector<ChannelSpan>> thumbnailMaps;
    // The size, in device pixels, at which the large view shows the whole focused map; its picture
    // is box-filtered down to this (empty: the map's own size, as far as kMaxFocusPixels allow).
    QSize focusSize;
    bool measureReference = true; // time the naive backend (and OpenCV) once the view is idle
    // Hand the run's maps back in the result (RenderResult::maps), for the panels that read
    // values. Off while no panel wants them: a snapshot held during the next run makes the
    // engine compute into fresh tensors instead of reusing its own.
    bool keepMaps = false;
    double requestedAt = 0; // steady_clock milliseconds when the request was sent
};

// Why a run shows less than the whole pipeline, or nothing at all.
struct RunError {
    // The first layer that cannot run; -1: nothing ran because of the input itself or because
    // the run failed unexpectedly (the message says which).
    int layer = -1;
    QString field; // the layer's parameter at fault, if the engine named one
    QString message;
};

// Every runnable layer's maps for one run, as the engine computed them. Immutable and shared:
// the engine computes later runs into fresh tensors while a snapshot is held, so every panel
// that reads values (statistics, pixel inspector, compare, sliding window, export) reads the
// live run's own numbers, never a second run's.
struct MapSnapshot {
    quint64 generation = 0; // of the request that made it
    quint64 revision = 0;   // Document::revision() of the pipeline and input it shows
    Pipeline pipeline;      // the runnable layers (the prefix before a layer that cannot run)
    std::shared_ptr<const Tensor> input;
    RunResult run; // run.layers[k].output: layer k's maps (with the layer's time and kernel)
    std::optional<RunError> error;

    int layerCount() const { return int(run.layers.size()); }
    // Layer `layer`'s maps; layer -1 is the input. Null when the layer did not run.
    const Tensor* maps(int layer) const;
    bool contains(MapId id) const;
};

struct MapRender {
    // The map's range and, when its thumbnail was asked for (RenderRequest::thumbnailMaps),
    // the thumbnail's values, at most thumbnailSize on the longest side (shared with the render
    // thread's cache and with later results while the map is unchanged).
    std::shared_ptr<const MapSummary> summary;
    ValueRange range;      // the map's own finite min..max
    ValueRange shownRange; // what the colours span (after normalisation and symmetry)
    Colormap colormap = Colormap::Viridis; // resolved (never Auto)

    // The thumbnail, colormapped. Coloured when first asked for, so a layer of 512 maps costs
    // colours only for the tiles that are drawn; then kept. Only the GUI thread asks.
    const QImage& thumbnail() const {
        if (picture.isNull() && summary && !summary->values.empty())
            picture = colorizeValues(summary->values.data(), summary->width, summary->height,
                                     std::size_t(summary->width), colormap, shownRange);
        return picture;
    }
    QSize thumbnailSize() const {
        return summary ? QSize(summary->width, summary->height) : QSize();
    }
    // The thumbnail's values were made (else thumbnail() is null until a request asks for them).
    bool hasThumbnail() const { return summary && !summary->values.empty(); }
    mutable QImage picture; // thumbnail()'s, once made
};

struct LayerRender {
    Shape shape;
    double ms = 0;
    QString kernel;
    bool recomputed = false; // computed by this run (false: taken from the cache)
    ValueRange range;        // min..max over the layer's maps
    std::vector<MapRender> maps;
};

struct RenderResult {
    quint64 generation = 0;
    quint64 revision = 0;            // Document::revision() the result shows
    int fromLayer = 0;               // the first layer whose pictures this run made anew
    std::optional<RunError> error;   // empty: every layer ran
    std::vector<Shape> shapes;       // every runnable layer's output shape
    std::vector<LayerRender> layers; // the layers that ran (all of them without an error)
    QImage inputThumbnail;
    Shape inputShape;
    // The focused map, at most at the requested focus size.
    MapId focus;
    QImage focusImage;
    QSize focusMapSize; // the focused map's own size (focusImage may be smaller)
    ValueRange focusRange;
    Colormap focusColormap = Colormap::Viridis;
    bool focusIsColourImage = false; // the input picture itself, not a colormapped map
    QString backend;
    double engineMs = 0; // Backend::run wall time
    double renderMs = 0; // summaries and colormapping (all of the pictures)
    double focusMs = 0;  // of which the large view's picture
    // steady_clock milliseconds: the request sent, taken up by the render thread, and the result
    // handed to the GUI thread (the benchmark reports the gaps).
    double requestedAt = 0;
    double startedAt = 0;
    double deliveredAt = 0;
    // The run's maps, when the request asked for them (RenderRequest::keepMaps).
    std::shared_ptr<const MapSnapshot> maps;
};

// Times of the reference implementations for one pipeline, measured after the live view settled.
struct ReferenceTimings {
    quint64 generation = 0;
    std::vector<double> fastMs;  // per layer, warm: the best of a few full runs
    QStringList fastKernels;     // the kernel of each layer in those runs (they may fuse more)
    std::vector<double> naiveMs; // per layer; empty when skipped
    // Per layer: OpenCV's time and which call it comes from (DNN, filter2D), or why there is none.
    std::vector<OpenCvTime> opencv;
    OpenCvTime opencvNet; // the whole timed network as one DNN net: the fair total
    double naiveTotalMs = 0;
    bool skipped = false; // the image is too large to time the naive loops in the background
    QString failure;      // not empty: the timing failed, and this says why
};

} // namespace convscope::ui

Q_DECLARE_METATYPE(std::shared_ptr<const convscope::ui::RenderResult>)
Q_DECLARE_METATYPE(std::shared_ptr<const convscope::ui::ReferenceTimings>)
Q_DECLARE_METATYPE(std::shared_ptr<const convscope::ui::MapSnapshot>)
