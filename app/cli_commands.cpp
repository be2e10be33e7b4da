#include "cli_commands.hpp"
#include "resource_paths.hpp"

#include "convscope/backend.hpp"
#include "convscope/benchmark.hpp"
#include "convscope/image_io.hpp"
#include "convscope/map_export.hpp"
#include "convscope/pipeline_json.hpp"

#include <QCommandLineParser>
#include <QTextStream>

#include <cstdio>
#include <cstdlib>

namespace convscope::cli {

namespace {

QTextStream& out() {
    static QTextStream stream(stdout);
    return stream;
}

// Every failure is one line on stderr that names the file and what is wrong.
int fail(int code, const QString& message) {
    std::fprintf(stderr, "convscope-cli: %s\n", qPrintable(message));
    return code;
}

QCommandLineOption image_option() {
    return {"image", "Input image (any format OpenCV reads, or a float .npy of shape (H, W) or "
                     "(C, H, W)). Default: the bundled sample " + QString(kDefaultSample) + ".",
            "FILE"};
}

QCommandLineOption pipeline_option() {
    return {"pipeline", "Pipeline file (JSON, see resources/pipelines). Default: the bundled " +
                            QString(kDefaultPipeline) + ".",
            "FILE"};
}

// Parses `arguments` (without the command name); on error prints one line and returns false.
bool parse(QCommandLineParser& parser, const QString& command, const QStringList& arguments,
           int& exit_code) {
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({"h", "help"}, "Show this help.");
    parser.addOption(help);
    if (!parser.parse(QStringList{"convscope-cli " + command} + arguments)) {
        exit_code = fail(kUsage, parser.errorText() + " (see convscope-cli " + command + " --help)");
        return false;
    }
    if (parser.isSet(help)) {
        out() << parser.helpText().replace("Usage: convscope-cli " + command + " [options]",
                                           "Usage: convscope-cli " + command + " [options]");
        out().flush();
        exit_code = kOk;
        return false;
    }
    if (!parser.positionalArguments().isEmpty()) {
        exit_code = fail(kUsage, "unexpected argument \"" + parser.positionalArguments().first() +
                                     "\" (see convscope-cli " + command + " --help)");
        return false;
    }
    return true;
}

struct Inputs {
    QString image_path;
    QString pipeline_path;
    Pipeline pipeline;
    Tensor image;
};

// Loads the pipeline first (it decides gray or RGB), then the image in that mode.
Inputs load_inputs(const QCommandLineParser& parser, const QCommandLineOption& image,
                   const QCommandLineOption& pipeline) {
    Inputs inputs;
    inputs.pipeline_path =
        parser.isSet(pipeline) ? parser.value(pipeline) : resource_path(kDefaultPipeline);
    inputs.image_path = parser.isSet(image) ? parser.value(image) : resource_path(kDefaultSample);
    inputs.pipeline = load_pipeline(inputs.pipeline_path.toStdString());
    inputs.image = load_input(inputs.image_path.toStdString(), inputs.pipeline.input_mode);
    return inputs;
}

QString format_flops(double flops) {
    if (flops >= 1e9)
        return QString::number(flops / 1e9, 'f', 2) + " G";
    if (flops >= 1e6)
        return QString::number(flops / 1e6, 'f', 2) + " M";
    if (flops >= 1e3)
        return QString::number(flops / 1e3, 'f', 2) + " k";
    return QString::number(flops, 'f', 0) + " ";
}

QString shape_text(Shape s) { return QString::fromStdString(s.str()); }

// The benchmark's inputs are cut from this large photo (2560×1707).
const char* const kBenchmarkPhoto = "samples/rocket-large.jpg";

// Reads `option` (when given) as a whole number ≥ 1; anything else is one line and false.
bool positive_count(const QCommandLineParser& parser, const QCommandLineOption& option, int& value,
                    int& exit_code) {
    if (!parser.isSet(option))
        return true;
    bool ok = false;
    const QString text = parser.value(option);
    const int n = text.toInt(&ok);
    if (!ok || n < 1) {
        exit_code = fail(kUsage, "--" + option.names().first() + ": expected a whole number of " +
                                     "at least 1, got \"" + text + "\"");
        return false;
    }
    value = n;
    return true;
}

// Progress on stderr while the table is being measured: a slow case takes several seconds.
void report_progress(BenchOptions& options) {
    options.on_case_start = [](int index, int count, const std::string& name) {
        std::fprintf(stderr, "[%2d/%d] %-24s", index + 1, count, name.c_str());
        std::fflush(stderr);
    };
    options.on_case_done = [](const BenchCase& c) {
        std::fprintf(stderr, " engine %9.3f ms, naive %9.3f ms\n", c.engine_ms, c.naive_ms);
    };
}

// A warning per case whose fast and naive outputs differ, as soon as it is measured.
void warn_on_disagreement(BenchOptions& options) {
    options.on_case_done = [previous = options.on_case_done](const BenchCase& c) {
        if (previous)
            previous(c);
        if (!c.agrees)
            std::fprintf(stderr,
                         "convscope-cli: warning: %s: the fast and naive backends disagree "
                         "(max relative error %.2g > %.0e)\n",
                         c.name.c_str(), c.max_rel_error, kAgreementTolerance);
    };
}

} // namespace

int run_command(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Runs a pipeline on an image and writes every layer's feature maps to a folder.\n\n"
        "Example:\n"
        "  convscope-cli run --image photo.jpg --pipeline resources/pipelines/edge-detectors.json "
        "--out maps --format png,npy --colormap magma");
    const QCommandLineOption image = image_option();
    const QCommandLineOption pipeline = pipeline_option();
    const QCommandLineOption out_dir(
        "out", "Output folder (created if missing) for the maps and manifest.json. Required.",
        "DIR");
    const QCommandLineOption format(
        "format",
        "Comma-separated list of: png (8-bit, colormapped, normalised per map), tiff (float32, raw "
        "values, one file per map), npy (float32 array (C, H, W) per layer). Default: png.",
        "LIST", "png");
    const QCommandLineOption colormap(
        "colormap",
        "Colormap for PNGs: " + QString::fromStdString(colormap_names()) +
            ". Default auto: viridis for non-negative maps, diverging (blue-white-red, centred on "
            "zero) for maps with both signs.",
        "NAME", "auto");
    const QCommandLineOption backend(
        "backend", "Engine backend: naive (reference loops) or fast. Default: fast.", "NAME",
        "fast");
    parser.addOptions({image, pipeline, out_dir, format, colormap, backend});
    int exit_code = kOk;
    if (!parse(parser, "run", arguments, exit_code))
        return exit_code;

    if (!parser.isSet(out_dir))
        return fail(kUsage, "run needs --out DIR (see convscope-cli run --help)");
    ExportRequest request;
    request.out_dir = parser.value(out_dir).toStdString();
    std::string bad;
    if (!parse_export_formats(parser.value(format).toStdString(), request.formats, bad))
        return fail(kUsage, "--format: unknown format \"" + QString::fromStdString(bad) +
                                "\" (use png, tiff, npy, comma-separated)");
    if (!parse_colormap(parser.value(colormap).toStdString(), request.colormap))
        return fail(kUsage, "--colormap: unknown colormap \"" + parser.value(colormap) +
                                "\" (use " + QString::fromStdString(colormap_names()) + ")");
    const QString backend_name = parser.value(backend);
    if (backend_name != "naive" && backend_name != "fast")
        return fail(kUsage, "--backend: unknown backend \"" + backend_name +
                                "\" (use naive or fast)");

    try {
        const Inputs inputs = load_inputs(parser, image, pipeline);
        const auto engine =
            make_backend(backend_name == "naive" ? BackendKind::Naive : BackendKind::Fast);
        const RunResult result = engine->run(inputs.pipeline, inputs.image);
        request.image_path = inputs.image_path.toStdString();
        request.pipeline_path = inputs.pipeline_path.toStdString();
        request.backend = engine->name();
        export_run(request, inputs.pipeline, inputs.image, result);
        out() << "Ran " << inputs.pipeline.layers.size() << " layers on "
              << inputs.image_path << " " << shape_text(inputs.image.shape()) << " in "
              << QString::number(result.total_ms(), 'f', 1) << " ms (" 
              << QString::fromStdString(engine->name()) << "); maps and manifest.json in "
              << parser.value(out_dir) << "\n";
        out().flush();
    } catch (const PipelineError& e) {
        return fail(kFailed, e.what());
    } catch (const std::exception& e) {
        return fail(kFailed, e.what());
    }
    return kOk;
}

int info_command(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Prints each layer's output shape, parameter count and FLOPs (a multiply-add counts 2) "
        "for a pipeline on an image.\n\n"
        "Example:\n"
        "  convscope-cli info --pipeline resources/pipelines/first-layers-of-a-cnn.json "
        "--image photo.png");
    const QCommandLineOption image = image_option();
    const QCommandLineOption pipeline = pipeline_option();
    parser.addOptions({image, pipeline});
    int exit_code = kOk;
    if (!parse(parser, "info", arguments, exit_code))
        return exit_code;

    try {
        const Inputs inputs = load_inputs(parser, image, pipeline);
        const std::vector<Shape> shapes = infer_shapes(inputs.pipeline, inputs.image.shape());
        out() << "Pipeline: " << inputs.pipeline_path << "\n";
        if (!inputs.pipeline.description.empty())
            out() << "  " << QString::fromStdString(inputs.pipeline.description) << "\n";
        out() << "Input:    " << inputs.image_path << " ("
              << QString::fromStdString(std::string(to_string(inputs.pipeline.input_mode)))
              << ") " << shape_text(inputs.image.shape()) << "\n\n";
        out() << QString("%1  %2  %3  %4  %5\n")
                     .arg("#", 3)
                     .arg("layer", -24)
                     .arg("output shape", -18)
                     .arg("params", 10)
                     .arg("FLOPs", 10);
        long long total_params = 0;
        double total_flops = 0;
        Shape previous = inputs.image.shape();
        for (std::size_t i = 0; i < shapes.size(); ++i) {
            const Layer& layer = inputs.pipeline.layers[i];
            const LayerCost cost = layer_cost(layer, previous, shapes[i]);
            total_params += cost.parameters;
            total_flops += cost.flops;
            QString label = QString::fromStdString(std::string(type_name(layer)));
            if (!layer.name.empty())
                label += " \"" + QString::fromStdString(layer.name) + "\"";
            if (!layer.enabled)
                label += " (off)";
            out() << QString("%1  %2  %3  %4  %5\n")
                         .arg(i, 3)
                         .arg(label, -24)
                         .arg(shape_text(shapes[i]), -18)
                         .arg(cost.parameters, 10)
                         .arg(format_flops(cost.flops) + "FLOP", 10);
            previous = shapes[i];
        }
        out() << "\nTotal: " << total_params << " parameters, " << format_flops(total_flops)
              << "FLOP per run\n";
        out().flush();
    } catch (const std::exception& e) {
        return fail(kFailed, e.what());
    }
    return kOk;
}

int bench_command(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Times a fixed suite of convolution, pooling and activation layers and the default "
        "pipeline on the fast engine, the naive reference and OpenCV's nearest equivalent, on "
        "inputs cut from the bundled photo (1920x1080 gray unless the case names another size). "
        "Times are medians of wall-clock runs after a warm-up; the fast and naive outputs are "
        "compared once per case. Takes a few minutes.\n\n"
        "Example:\n"
        "  convscope-cli bench --json --threads 2 > bench.json");
    const QCommandLineOption json("json", "Print one JSON object instead of a table.");
    const QCommandLineOption repeat(
        "repeat",
        "Timed runs of the engine and OpenCV per case. Default: 15, fewer for cases slower than "
        "about a second. The naive reference runs at most 3 times (once if a run takes > 1 s).",
        "N");
    const QCommandLineOption threads(
        "threads", "Threads for the engine and OpenCV. Default: every hardware thread (at most).",
        "N");
    const QCommandLineOption quick("quick", "Tiny sizes, for testing the harness (1/16 of each "
                                            "image side, one run): the times mean nothing.");
    parser.addOptions({json, repeat, threads, quick});
    int exit_code = kOk;
    if (!parse(parser, "bench", arguments, exit_code))
        return exit_code;

    BenchOptions options;
    if (!positive_count(parser, repeat, options.repeat, exit_code) ||
        !positive_count(parser, threads, options.threads, exit_code))
        return exit_code;
    options.quick = parser.isSet(quick);
    options.default_pipeline_path = resource_path(kDefaultPipeline).toStdString();
    options.default_sample_path = resource_path(kDefaultSample).toStdString();
    options.photo_path = resource_path(kBenchmarkPhoto).toStdString();
    const bool as_json = parser.isSet(json);
    if (!as_json)
        report_progress(options);
    warn_on_disagreement(options);

    try {
        const BenchReport report = run_benchmark(options);
        const std::string text = as_json ? bench_report_json(report) : bench_report_table(report);
        if (!as_json)
            std::fputs("\n", stderr);
        std::fputs(text.c_str(), stdout);
        std::fflush(stdout);
    } catch (const std::exception& e) {
        return fail(kFailed, e.what());
    }
    return kOk;
}

} // namespace convscope::cli
