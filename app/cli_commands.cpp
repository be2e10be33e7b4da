#include "cli_commands.hpp"
#include "cli_text.hpp"
#include "resource_paths.hpp"

#include "convscope/backend.hpp"
#include "convscope/benchmark.hpp"
#include "convscope/image_io.hpp"
#include "convscope/map_export.hpp"
#include "convscope/memory_budget.hpp"
#include "convscope/pipeline_json.hpp"
#include "convscope/project.hpp"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QSaveFile>
#include <QTextStream>

#include <cstdio>
#include <cstdlib>

namespace convscope::cli {

namespace {

QTextStream& out() {
    static QTextStream stream(stdout);
    return stream;
}

// Every failure is one line on stderr that names the file and what is wrong. Messages are
// bytes (they may quote file names that are not UTF-8) made printable on one line.
int fail(int code, std::string_view message) {
    std::fprintf(stderr, "convscope-cli: %s\n", printable(message).c_str());
    return code;
}
int fail(int code, const char* message) {
    return fail(code, std::string_view(message));
}
int fail(int code, const QString& message) {
    return fail(code, std::string_view(native(message)));
}

// A refused allocation says how to allow more.
std::string with_budget_hint(const MemoryError& e) {
    return std::string(e.what()) +
           " (--max-memory SIZE sets the budget, e.g. --max-memory 16G; or use a smaller image)";
}

QCommandLineOption max_memory_option() {
    return {"max-memory",
            "Memory budget (e.g. 8G, 512M): a file, image or run that would need more is refused "
            "up front with the figure. Default: three quarters of the available memory (" +
                QString::fromStdString(format_bytes(memory_budget())) + " now).",
            "SIZE"};
}

// Applies --max-memory when given; anything but a size is one line and false.
bool apply_max_memory(const QCommandLineParser& parser, const QCommandLineOption& option,
                      int& exit_code) {
    if (!parser.isSet(option))
        return true;
    std::uint64_t bytes = 0;
    if (!parse_byte_size(parser.value(option).toStdString(), bytes)) {
        exit_code = fail(kUsage, "--max-memory: expected a size like 8G, 512M or 2000000000, "
                                 "got \"" +
                                     parser.value(option) + "\"");
        return false;
    }
    set_memory_budget(bytes);
    return true;
}

QCommandLineOption image_option() {
    return {"image",
            "Input image (any format OpenCV reads, or a float .npy of shape (H, W) or "
            "(C, H, W)). Default: the bundled sample " +
                QString(kDefaultSample) + ".",
            "FILE"};
}

QCommandLineOption pipeline_option() {
    return {"pipeline",
            "Pipeline file (JSON, see resources/pipelines). Default: the bundled " +
                QString(kDefaultPipeline) + ".",
            "FILE"};
}

QCommandLineOption project_option() {
    return {"project",
            "Project file (.convscope, written by the app or by convscope-cli project): "
            "its image and pipeline. Not together with --image or --pipeline.",
            "FILE"};
}

// Parses `arguments` (without the command name); on error prints one line and returns false.
bool parse(QCommandLineParser& parser, const QString& command, const QStringList& arguments,
           int& exit_code) {
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({"h", "help"}, "Show this help.");
    parser.addOption(help);
    if (!parser.parse(QStringList{"convscope-cli " + command} + arguments)) {
        exit_code =
            fail(kUsage, parser.errorText() + " (see convscope-cli " + command + " --help)");
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
    QString project_path; // empty unless --project
    Pipeline pipeline;
    Tensor image;      // empty unless decoded
    Shape image_shape; // always known
};

// A project names both the image and the pipeline, so it excludes --image and --pipeline;
// returns false (and the usage exit code) when both kinds are given.
bool check_project_exclusive(const QCommandLineParser& parser, const QString& command,
                             const QCommandLineOption& project, const QCommandLineOption& image,
                             const QCommandLineOption& pipeline, int& exit_code) {
    if (parser.isSet(project) && (parser.isSet(image) || parser.isSet(pipeline))) {
        exit_code = fail(kUsage, "--project already names the image and the pipeline: leave out " +
                                     QString(parser.isSet(image) ? "--image" : "--pipeline") +
                                     " (see convscope-cli " + command + " --help)");
        return false;
    }
    return true;
}

// What to read of the image: all of it, or only its shape (from the header where it says).
enum class ImageNeed { Pixels, Shape };

// Loads the project's pipeline and its image (embedded, or the file it names).
Inputs load_project_inputs(const QString& path, ImageNeed need) {
    Inputs inputs;
    const std::string project_file = native(path);
    const Project project = load_project(project_file);
    inputs.project_path = path;
    inputs.pipeline_path = path;
    inputs.image_path = QString::fromStdString(project_input_label(project));
    inputs.pipeline = project.pipeline;
    try {
        if (need == ImageNeed::Shape) {
            inputs.image_shape = project_input_shape(project);
        } else {
            inputs.image = load_project_input(project);
            inputs.image_shape = inputs.image.shape();
        }
    } catch (const IoError& e) {
        throw IoError(project_file + ": " + e.what());
    } catch (const MemoryError& e) {
        throw MemoryError(e.needed(), e.budget(), project_file + ": " + e.what());
    }
    return inputs;
}

// Loads the pipeline first (it decides gray or RGB), then the image in that mode.
Inputs load_inputs(const QCommandLineParser& parser, const QCommandLineOption& image,
                   const QCommandLineOption& pipeline, const QCommandLineOption* project = nullptr,
                   ImageNeed need = ImageNeed::Pixels) {
    if (project && parser.isSet(*project))
        return load_project_inputs(parser.value(*project), need);
    Inputs inputs;
    inputs.pipeline_path =
        parser.isSet(pipeline) ? parser.value(pipeline) : resource_path(kDefaultPipeline);
    inputs.image_path = parser.isSet(image) ? parser.value(image) : resource_path(kDefaultSample);
    inputs.pipeline = load_pipeline(native(inputs.pipeline_path));
    if (need == ImageNeed::Shape) {
        inputs.image_shape =
            peek_input_shape(native(inputs.image_path), inputs.pipeline.input_mode);
    } else {
        inputs.image = load_input(native(inputs.image_path), inputs.pipeline.input_mode);
        inputs.image_shape = inputs.image.shape();
    }
    return inputs;
}

// Runs `work` so that what it throws about the pipeline names its file (or the project) as
// well as the layer, and a memory refusal names the pipeline and the image.
template <class Work> void naming_inputs(const Inputs& inputs, Work&& work) {
    try {
        work();
    } catch (const PipelineError& e) {
        throw PipelineError(e.layer_index(), e.field(),
                            native(inputs.pipeline_path) + ": " + e.what());
    } catch (const MemoryError& e) {
        const std::string what =
            inputs.project_path.isEmpty()
                ? native(inputs.pipeline_path) + " on " + native(inputs.image_path)
                : native(inputs.project_path);
        throw MemoryError(e.needed(), e.budget(), what + ": " + e.what());
    }
}

std::vector<Shape> shapes_of(const Inputs& inputs) {
    std::vector<Shape> shapes;
    naming_inputs(inputs, [&] { shapes = infer_shapes(inputs.pipeline, inputs.image_shape); });
    return shapes;
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

QString shape_text(Shape s) {
    return QString::fromStdString(s.str());
}

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
        "--out maps --format png,npy --colormap magma\n"
        "  convscope-cli run --project session.convscope --out maps --contact-sheet");
    const QCommandLineOption image = image_option();
    const QCommandLineOption pipeline = pipeline_option();
    const QCommandLineOption project = project_option();
    const QCommandLineOption contact_sheet(
        "contact-sheet",
        "Also write one contact sheet per layer (all its maps on a labelled grid, coloured with "
        "--colormap) as DIR/<layer folder>/contact_sheet.png, named in the layer's manifest "
        "entry as \"contact_sheet\".");
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
    const QCommandLineOption max_memory = max_memory_option();
    parser.addOptions(
        {image, pipeline, project, out_dir, format, colormap, backend, contact_sheet, max_memory});
    int exit_code = kOk;
    if (!parse(parser, "run", arguments, exit_code) ||
        !check_project_exclusive(parser, "run", project, image, pipeline, exit_code) ||
        !apply_max_memory(parser, max_memory, exit_code))
        return exit_code;

    if (!parser.isSet(out_dir))
        return fail(kUsage, "run needs --out DIR (see convscope-cli run --help)");
    ExportRequest request;
    request.out_dir = native(parser.value(out_dir));
    request.contact_sheets = parser.isSet(contact_sheet);
    std::string bad;
    if (!parse_export_formats(parser.value(format).toStdString(), request.formats, bad))
        return fail(kUsage, "--format: unknown format \"" + QString::fromStdString(bad) +
                                "\" (use png, tiff, npy, comma-separated)");
    if (!parse_colormap(parser.value(colormap).toStdString(), request.colormap))
        return fail(kUsage, "--colormap: unknown colormap \"" + parser.value(colormap) +
                                "\" (use " + QString::fromStdString(colormap_names()) + ")");
    const QString backend_name = parser.value(backend);
    if (backend_name != "naive" && backend_name != "fast")
        return fail(kUsage,
                    "--backend: unknown backend \"" + backend_name + "\" (use naive or fast)");

    try {
        Inputs inputs = load_inputs(parser, image, pipeline, &project);
        const auto engine =
            make_backend(backend_name == "naive" ? BackendKind::Naive : BackendKind::Fast);
        // Each layer's maps are written as soon as they are computed and let go once no later
        // layer reads them: a large image needs memory for the maps still needed, not for all.
        RunOptions options;
        options.release_consumed = true;
        naming_inputs(inputs, [&] {
            engine->check_memory(inputs.pipeline, inputs.image_shape, options);
        }); // before anything is written
        request.image_path = native(inputs.image_path);
        request.pipeline_path = native(inputs.pipeline_path);
        request.backend = engine->name();
        request.project_path = native(inputs.project_path);
        auto input = std::make_shared<const Tensor>(std::move(inputs.image));
        RunExporter exporter(request, inputs.pipeline, *input);
        options.on_computed = [&exporter](const RunResult& result, int first, int count) {
            for (int k = first; k < first + count; ++k)
                exporter.write_layer(k, result.layers[k]);
        };
        double total_ms = 0;
        naming_inputs(inputs, [&] {
            total_ms = engine->run(inputs.pipeline, std::move(input), options).total_ms();
        });
        exporter.finish();
        out() << "Ran " << inputs.pipeline.layers.size() << " layers on "
              << shown(inputs.image_path) << " " << shape_text(inputs.image_shape) << " in "
              << QString::number(total_ms, 'f', 1) << " ms ("
              << QString::fromStdString(engine->name()) << "); maps and manifest.json in "
              << shown(parser.value(out_dir)) << "\n";
        out().flush();
    } catch (const MemoryError& e) {
        return fail(kFailed, with_budget_hint(e));
    } catch (const std::bad_alloc&) {
        // The budget's estimates should make this unreachable; if not, still one clear line.
        return fail(kFailed, "out of memory: the system refused more than the run's estimate "
                             "(--max-memory SIZE lowers the budget ConvScope checks first)");
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
    const QCommandLineOption project = project_option();
    const QCommandLineOption max_memory = max_memory_option();
    parser.addOptions({image, pipeline, project, max_memory});
    int exit_code = kOk;
    if (!parse(parser, "info", arguments, exit_code) ||
        !check_project_exclusive(parser, "info", project, image, pipeline, exit_code) ||
        !apply_max_memory(parser, max_memory, exit_code))
        return exit_code;

    try {
        // Only the image's shape: from its header, without decoding it.
        const Inputs inputs = load_inputs(parser, image, pipeline, &project, ImageNeed::Shape);
        const std::vector<Shape> shapes = shapes_of(inputs);
        const std::vector<LayerCost> costs = layer_costs(inputs.pipeline, inputs.image_shape);
        out() << "Pipeline: " << shown(inputs.pipeline_path) << "\n";
        if (!inputs.pipeline.description.empty())
            out() << "  " << QString::fromStdString(inputs.pipeline.description) << "\n";
        out() << "Input:    " << shown(inputs.image_path) << " ("
              << QString::fromStdString(std::string(to_string(inputs.pipeline.input_mode))) << ") "
              << shape_text(inputs.image_shape) << "\n\n";
        out() << QString("%1  %2  %3  %4  %5\n")
                     .arg("#", 3)
                     .arg("layer", -24)
                     .arg("output shape", -18)
                     .arg("params", 10)
                     .arg("FLOPs", 10);
        long long total_params = 0;
        double total_flops = 0;
        for (std::size_t i = 0; i < shapes.size(); ++i) {
            const Layer& layer = inputs.pipeline.layers[i];
            const LayerCost& cost = costs[i];
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
        }
        out() << "\nTotal: " << total_params << " parameters, " << format_flops(total_flops)
              << "FLOP per run\n";
        // What running it takes: `run` lets each layer's maps go once written and no longer
        // read; the app keeps every layer's maps to show them.
        const auto engine = make_backend(BackendKind::Fast);
        RunOptions streamed;
        streamed.release_consumed = true;
        const MemoryEstimate run_memory =
            engine->estimate_memory(inputs.pipeline, inputs.image_shape, streamed);
        const MemoryEstimate kept = engine->estimate_memory(inputs.pipeline, inputs.image_shape);
        const auto bytes = [](std::uint64_t n) { return QString::fromStdString(format_bytes(n)); };
        out() << "Memory: run needs " << bytes(run_memory.total()) << " ("
              << QString::fromStdString(run_memory.breakdown()) << "); the app about "
              << bytes(memory_to_show(kept, inputs.image_shape))
              << " (every layer's maps, twice while an edit is computed); budget "
              << bytes(memory_budget()) << "\n";
        out().flush();
    } catch (const MemoryError& e) {
        return fail(kFailed, with_budget_hint(e));
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

int project_command(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Writes a project file (.convscope) that holds an image and a pipeline, for the app "
        "(convscope FILE.convscope) and for convscope-cli run --project. The image is stored as a "
        "path relative to the project file, so the project can move together with its image; "
        "with --embed the image file's bytes are stored too and the project stands alone.\n\n"
        "Example:\n"
        "  convscope-cli project --image photo.jpg --pipeline resources/pipelines/default.json "
        "--out session.convscope --embed");
    const QCommandLineOption image = image_option();
    const QCommandLineOption pipeline = pipeline_option();
    const QCommandLineOption out_file("out", "The project file to write. Required.", "FILE");
    const QCommandLineOption embed(
        "embed", "Store the image file's bytes in the project (base64), not only its path.");
    const QCommandLineOption max_memory = max_memory_option();
    parser.addOptions({image, pipeline, out_file, embed, max_memory});
    int exit_code = kOk;
    if (!parse(parser, "project", arguments, exit_code) ||
        !apply_max_memory(parser, max_memory, exit_code))
        return exit_code;
    if (!parser.isSet(out_file))
        return fail(kUsage,
                    "project needs --out FILE.convscope (see convscope-cli project --help)");

    const QString path = parser.value(out_file);
    if (native(path) != path.toStdString())
        return fail(kFailed, shown(path) + ": a project file needs a name that is valid UTF-8");
    try {
        // Loading both checks that the project will open and run: the pipeline parses and the
        // image decodes in the pipeline's input mode.
        const Inputs inputs = load_inputs(parser, image, pipeline);
        const Project project =
            make_project(native(inputs.image_path), inputs.pipeline, parser.isSet(embed));
        const QString dir = QFileInfo(path).absolutePath();
        const QByteArray text =
            QByteArray::fromStdString(serialize_project(project, dir.toStdString()));
        // Atomic: the old file stays whole until the new one is complete.
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size() || !file.commit())
            return fail(kFailed, path + ": cannot be written (" + file.errorString() + ")");
        out() << "Wrote " << path << ": image " << shown(inputs.image_path)
              << (project.has_embedded_image()
                      ? " (embedded, " + QString::number(project.embedded_image.size()) + " bytes)"
                      : QString())
              << ", pipeline " << shown(inputs.pipeline_path) << " ("
              << inputs.pipeline.layers.size() << " layers)\n";
        out().flush();
    } catch (const MemoryError& e) {
        return fail(kFailed, with_budget_hint(e));
    } catch (const std::exception& e) {
        return fail(kFailed, e.what());
    }
    return kOk;
}

} // namespace convscope::cli
