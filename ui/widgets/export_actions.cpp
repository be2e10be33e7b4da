#include "export_actions.hpp"

#include "document.hpp"
#include "map_rendering.hpp"
#include "number_format.hpp"
#include "project_io.hpp"

#include "convscope/contact_sheet.hpp"
#include "convscope/npy.hpp"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QGroupBox>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QSaveFile>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <stdexcept>

namespace convscope::ui {

QImage mapPicture(const Tensor& maps, int channel, Colormap requested, bool withColorbar,
                  const QPalette* palette, std::optional<ValueRange> range, const QString& note) {
    const ValueRange basis = range ? *range : map_range(maps, channel);
    const Colormap map = resolve_colormap(requested, basis);
    const ValueRange shown = display_range(map, basis);
    QImage picture = toQImage(colorize(maps, channel, map, shown));
    if (!withColorbar)
        return picture;
    // A vertical bar on the right: the colours from the top (max) to the bottom (min), labelled.
    const int h = std::max(picture.height(), 160);
    QFont font;
    font.setPixelSize(std::clamp(h / 18, 11, 18));
    const QFontMetrics fm(font);
    const QString top = formatNumber(shown.max, 4), bottom = formatNumber(shown.min, 4);
    const int labelWidth = std::max(fm.horizontalAdvance(top), fm.horizontalAdvance(bottom)) + 8;
    const int barWidth = std::clamp(h / 14, 14, 40);
    const int margin = 10;
    // The note goes on a line of its own under picture and bar, widening the picture if needed.
    const int noteHeight = note.isEmpty() ? 0 : fm.height() + margin / 2;
    const int width = std::max(picture.width() + margin * 2 + barWidth + labelWidth,
                               fm.horizontalAdvance(note) + 2 * margin);
    QImage out(width, h + 2 * margin + noteHeight, QImage::Format_RGB888);
    const QColor background = palette ? palette->color(QPalette::Base) : QColor(Qt::white);
    const QColor text = palette ? palette->color(QPalette::Text) : QColor(Qt::black);
    out.fill(background);
    QPainter p(&out);
    p.drawImage(QPoint(0, margin + (h - picture.height()) / 2), picture);
    const int barX = picture.width() + margin;
    Tensor ramp(1, h, 1);
    for (int y = 0; y < h; ++y)
        ramp.at(0, y, 0) = float(shown.max - (shown.max - shown.min) * y / std::max(1, h - 1));
    const QImage bar = toQImage(colorize(ramp, 0, map, shown));
    p.drawImage(QRect(barX, margin, barWidth, h), bar);
    p.setPen(text);
    p.drawRect(QRect(barX, margin, barWidth, h).adjusted(0, 0, -1, -1));
    p.setFont(font);
    const int tx = barX + barWidth + 4;
    p.drawText(QRect(tx, margin, labelWidth, fm.height()), Qt::AlignLeft | Qt::AlignTop, top);
    p.drawText(QRect(tx, margin + h - fm.height(), labelWidth, fm.height()),
               Qt::AlignLeft | Qt::AlignBottom, bottom);
    if (shown.min < 0 && shown.max > 0) {
        const int zy = margin + int(std::lround(double(shown.max) / (shown.max - shown.min) * h));
        p.drawLine(barX + barWidth, zy, barX + barWidth + 3, zy);
        p.drawText(QRect(tx, zy - fm.height() / 2, labelWidth, fm.height()),
                   Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("0"));
    }
    if (!note.isEmpty()) {
        p.drawText(QRect(margin, h + margin + margin / 2, width - 2 * margin, fm.height()),
                   Qt::AlignLeft | Qt::AlignVCenter, note);
        out.setText(QStringLiteral("Description"), note);
    }
    return out;
}

ExportActions::ExportActions(Document* document, MapDataProvider* data, QWidget* window)
    : QObject(window), document_(document), data_(data), window_(window) {
    setObjectName(QStringLiteral("exportActions"));
    menu_ = new QMenu(tr("E&xport"), window);
    menu_->setObjectName(QStringLiteral("exportMenu"));
    menu_->setToolTipsVisible(true);
    auto add = [this](const QString& text, const QString& tip, auto slot) {
        QAction* a = menu_->addAction(text);
        a->setToolTip(tip);
        connect(a, &QAction::triggered, this, slot);
        return a;
    };
    add(tr("Current map as &PNG…"),
        tr("The map shown large, coloured as the view shows it: the current colormap over the "
           "range the view's normalisation gives (per map, per layer or global)"),
        [this] { currentMapDialog(QStringLiteral("png"), false); });
    add(tr("Current map as PNG with &colorbar…"),
        tr("The map shown large with a labelled colour scale beside it, over the range the "
           "view's normalisation gives (per map, per layer or global), named under it"),
        [this] { currentMapDialog(QStringLiteral("png"), true); });
    add(tr("Current map as &TIFF (float32)…"),
        tr("The map's exact values as a one-channel 32-bit float TIFF"),
        [this] { currentMapDialog(QStringLiteral("tiff"), false); });
    add(tr("Current map as &NPY…"),
        tr("The map's exact values as a NumPy float32 array of shape (height, width)"),
        [this] { currentMapDialog(QStringLiteral("npy"), false); });
    menu_->addSeparator();
    add(tr("All maps of the &layer to a folder…"),
        tr("Every map of the selected layer, in the CLI's folder layout with a manifest.json"),
        [this] { folderDialog(false); });
    add(tr("All maps of the &stack to a folder…"),
        tr("Every map of every layer, exactly as `convscope-cli run --out DIR` writes them"),
        [this] { folderDialog(true); });
    add(tr("Contact &sheet of the layer…"),
        tr("One PNG with every map of the selected layer on a labelled grid"),
        [this] { contactSheetDialog(); });
    menu_->addSeparator();
    copy_ = add(tr("&Copy map to clipboard"),
                tr("Put the map shown large on the clipboard as a coloured picture"),
                [this] { copyCurrentMap(); });
    copy_->setShortcut(QKeySequence::Copy);
    lastDir_ = QDir::homePath();
}

QString ExportActions::suggestedName(const QString& suffix) const {
    const MapId focus = document_->focus();
    const QString base = QFileInfo(document_->imagePath()).completeBaseName();
    const QString name = focus.layer < 0 ? QStringLiteral("%1-input.%2").arg(base, suffix)
                                         : QStringLiteral("%1-layer%2-map%3.%4")
                                               .arg(base)
                                               .arg(focus.layer + 1, 2, 10, QLatin1Char('0'))
                                               .arg(focus.channel + 1, 3, 10, QLatin1Char('0'))
                                               .arg(suffix);
    return QDir(lastDir_).filePath(name);
}

void ExportActions::currentMapDialog(const QString& suffix, bool withColorbar) {
    const QString filter = suffix == QLatin1String("png")    ? tr("PNG images (*.png)")
                           : suffix == QLatin1String("tiff") ? tr("TIFF images (*.tif *.tiff)")
                                                             : tr("NumPy arrays (*.npy)");
    QString path =
        QFileDialog::getSaveFileName(window_, tr("Export map"), suggestedName(suffix), filter);
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += u'.' + suffix;
    lastDir_ = QFileInfo(path).absolutePath();
    exportCurrentMap(path, withColorbar);
}

void ExportActions::runWithSnapshot(const QString& done,
                                    std::function<void(const MapSnapshot&)> work) {
    ++busy_;
    data_->withCurrent(this, [this, done, work](std::shared_ptr<const MapSnapshot> snapshot) {
        auto* watcher = new QFutureWatcher<QString>(this);
        connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, done] {
            const QString error = watcher->result();
            watcher->deleteLater();
            --busy_;
            if (!error.isEmpty() && window_ && window_->isVisible() &&
                QApplication::activeModalWidget() == nullptr &&
                !qEnvironmentVariableIsSet("CONVSCOPE_NO_DIALOGS"))
                QMessageBox::warning(window_, tr("Export"), error);
            Q_EMIT finished(error.isEmpty(), error.isEmpty() ? done : error);
        });
        watcher->setFuture(QtConcurrent::run([snapshot, work]() -> QString {
            try {
                work(*snapshot);
            } catch (const std::exception& e) {
                return QString::fromUtf8(e.what());
            }
            return {};
        }));
    });
}

void ExportActions::exportCurrentMap(const QString& path, bool withColorbar) {
    const MapId focus = document_->focus();
    const Colormap colormap = document_->display().colormap;
    const Normalisation normalisation = document_->display().normalisation;
    const QString suffix = QFileInfo(path).suffix().toLower();
    const QPalette palette = window_ ? window_->palette() : QPalette();
    runWithSnapshot(tr("Exported %1").arg(QFileInfo(path).fileName()), [focus, colormap,
                                                                        normalisation, suffix, path,
                                                                        withColorbar, palette](
                                                                           const MapSnapshot& s) {
        const Tensor* maps = s.maps(focus.layer);
        if (!maps || focus.channel >= maps->channels())
            throw std::runtime_error("the map shown large has not been computed");
        const std::string file = path.toStdString();
        if (suffix == QLatin1String("tif") || suffix == QLatin1String("tiff")) {
            write_map_tiff(file, *maps, focus.channel);
        } else if (suffix == QLatin1String("npy")) {
            std::vector<float> values(std::size_t(maps->width()) * maps->height());
            for (int y = 0; y < maps->height(); ++y)
                std::copy_n(maps->row(focus.channel, y), maps->width(),
                            values.begin() + std::ptrdiff_t(y) * maps->width());
            write_npy(file, {std::size_t(maps->height()), std::size_t(maps->width())}, values);
        } else if (suffix == QLatin1String("png") && !withColorbar &&
                   (focus.layer < 0 || normalisation == Normalisation::PerMap)) {
            write_map_png(file, *maps, focus.channel, focus.layer < 0 ? Colormap::Gray : colormap);
        } else {
            // Coloured as the view shows it: over the range its normalisation gives.
            const Colormap requested = focus.layer < 0 ? Colormap::Gray : colormap;
            const ValueRange basis = normalisedRange(s, focus, normalisation);
            const ValueRange shown = display_range(resolve_colormap(requested, basis), basis);
            const QImage picture =
                mapPicture(*maps, focus.channel, requested, withColorbar, &palette, basis,
                           rangeNote(focus, normalisation, basis, shown));
            QSaveFile out(path);
            if (!out.open(QIODevice::WriteOnly) ||
                !picture.save(&out, suffix.isEmpty() ? "PNG" : nullptr) || !out.commit())
                throw std::runtime_error(
                    (path + QStringLiteral(": cannot be written")).toStdString());
        }
    });
}

void ExportActions::exportMaps(int layer, const QString& dir, ExportFormats formats,
                               bool contactSheets) {
    ExportRequest request;
    request.out_dir = dir.toStdString();
    request.formats = formats;
    request.colormap = document_->display().colormap;
    request.contact_sheets = contactSheets;
    request.image_path = document_->imagePath().toStdString();
    request.pipeline_path = document_->pipelinePath().toStdString();
    request.backend = "fast";
    if (project_)
        request.project_path = project_->projectPath().toStdString();
    // A model as opened: the manifest names the file and its SHA-256, not every weight again.
    if (const ModelSource* model = document_->model(); model && document_->modelUnedited())
        request.model = ModelReference{model->path.toStdString(), model->sha256.toStdString(),
                                       model->until.toStdString()};
    const std::size_t layers = document_->pipeline().layers.size();
    const QString done = layer < 0 ? tr("Exported every map to %1").arg(dir)
                                   : tr("Exported layer %1's maps to %2").arg(layer + 1).arg(dir);
    runWithSnapshot(done, [request, layer, dir, layers](const MapSnapshot& s) {
        if (s.run.layers.empty())
            throw std::runtime_error("no layer has been computed");
        if (layer >= s.layerCount())
            throw std::runtime_error("the layer has not been computed (an earlier layer cannot "
                                     "run)");
        ExportRequest selected = request;
        // Only the model's whole pipeline is the model: a run that stopped early is written out.
        if (s.error || s.pipeline.layers.size() != layers)
            selected.model.reset();
        if (layer >= 0)
            selected.layers = {layer};
        export_run(selected, s.pipeline, *s.input, s.run);
    });
}

void ExportActions::exportContactSheet(int layer, const QString& path) {
    const Colormap colormap = document_->display().colormap;
    runWithSnapshot(tr("Wrote the contact sheet %1").arg(QFileInfo(path).fileName()),
                    [layer, path, colormap](const MapSnapshot& s) {
                        if (layer < 0 || layer >= s.layerCount())
                            throw std::runtime_error("the layer has not been computed");
                        ContactSheetOptions options;
                        options.colormap = colormap;
                        const Tensor& maps = *s.run.layers[layer].output;
                        write_contact_sheet(
                            path.toStdString(), maps,
                            contact_sheet_title(s.pipeline.layers[layer], layer, maps.shape()),
                            options);
                    });
}

void ExportActions::copyCurrentMap() {
    const MapId focus = document_->focus();
    const Colormap colormap = document_->display().colormap;
    const Normalisation normalisation = document_->display().normalisation;
    data_->withCurrent(this, [this, focus, colormap,
                              normalisation](std::shared_ptr<const MapSnapshot> s) {
        const Tensor* maps = s->maps(focus.layer);
        if (!maps || focus.channel >= maps->channels()) {
            Q_EMIT finished(false, tr("The map shown large has not been computed"));
            return;
        }
        QApplication::clipboard()->setImage(
            mapPicture(*maps, focus.channel, focus.layer < 0 ? Colormap::Gray : colormap, false,
                       nullptr, normalisedRange(*s, focus, normalisation)));
        Q_EMIT finished(
            true,
            tr("Copied the map (%1 × %2) to the clipboard").arg(maps->width()).arg(maps->height()));
    });
}

void ExportActions::folderDialog(bool wholeStack) {
    const int layer = wholeStack ? -1 : document_->selectedLayer();
    QDialog dialog(window_);
    dialog.setWindowTitle(wholeStack ? tr("Export every map")
                                     : tr("Export the maps of layer %1").arg(layer + 1));
    auto* layout = new QVBoxLayout(&dialog);
    auto* note = new QLabel(tr("Written in the CLI's layout: one folder per layer "
                               "(layerNN_name/mapNNN.png …) and a manifest.json listing them."));
    note->setWordWrap(true);
    layout->addWidget(note);
    auto* box = new QGroupBox(tr("Formats"));
    auto* boxLayout = new QVBoxLayout(box);
    auto* png = new QCheckBox(tr("PNG (colormapped, 8-bit)"));
    png->setChecked(true);
    png->setToolTip(tr("One coloured picture per map, each over its own range"));
    auto* tiff = new QCheckBox(tr("TIFF (float32, exact values)"));
    tiff->setToolTip(tr("One 32-bit float TIFF per map: the exact values"));
    auto* npy = new QCheckBox(tr("NPY (float32, one array per layer)"));
    npy->setToolTip(tr("maps.npy of shape (C, H, W) per layer, and input.npy"));
    auto* sheets = new QCheckBox(tr("Contact sheet per layer"));
    sheets->setToolTip(tr("contact_sheet.png: every map of the layer on a labelled grid"));
    for (QCheckBox* c : {png, tiff, npy, sheets})
        boxLayout->addWidget(c);
    layout->addWidget(box);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Choose folder…"));
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    layout->addWidget(buttons);
    if (dialog.exec() != QDialog::Accepted)
        return;
    ExportFormats formats{png->isChecked(), tiff->isChecked(), npy->isChecked()};
    if (!formats.png && !formats.tiff && !formats.npy && !sheets->isChecked())
        return;
    const QString dir =
        QFileDialog::getExistingDirectory(window_, tr("Export to folder"), lastDir_);
    if (dir.isEmpty())
        return;
    lastDir_ = dir;
    exportMaps(layer, dir, formats, sheets->isChecked());
}

void ExportActions::contactSheetDialog() {
    const int layer = document_->selectedLayer();
    const QString base = QFileInfo(document_->imagePath()).completeBaseName();
    QString path = QFileDialog::getSaveFileName(
        window_, tr("Contact sheet"),
        QDir(lastDir_).filePath(QStringLiteral("%1-layer%2-sheet.png")
                                    .arg(base)
                                    .arg(layer + 1, 2, 10, QLatin1Char('0'))),
        tr("PNG images (*.png)"));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".png");
    lastDir_ = QFileInfo(path).absolutePath();
    exportContactSheet(layer, path);
}

} // namespace convscope::ui
