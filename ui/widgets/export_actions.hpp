#pragma once
// Export from the GUI: the map shown large (PNG colormapped, optionally with a colorbar; TIFF
// float32; NPY), all maps of a layer or of the whole stack to a folder in the CLI's layout with
// its manifest.json, a contact sheet of a layer, and the map on the clipboard. Files are written
// off the GUI thread from the value snapshot.

#include "map_data.hpp"

#include "convscope/map_export.hpp"

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

class QAction;
class QMenu;
class QWidget;

namespace convscope::ui {

class Document;
class ProjectController;

// One map coloured like the exported PNGs, optionally with a labelled colorbar on its right:
// over `range` (the view's normalisation, see normalisedRange), or the map's own range. With the
// colorbar, `note` (see rangeNote) is written under the picture and kept in the PNG's
// "Description" text.
QImage mapPicture(const Tensor& maps, int channel, Colormap requested, bool withColorbar,
                  const QPalette* palette = nullptr, std::optional<ValueRange> range = std::nullopt,
                  const QString& note = {});

class ExportActions : public QObject {
    Q_OBJECT

public:
    ExportActions(Document* document, MapDataProvider* data, QWidget* window);

    // Records the project in manifests.
    void setProjectController(ProjectController* project) { project_ = project; }
    QMenu* menu() const { return menu_; }
    QAction* copyAction() const { return copy_; }
    bool isBusy() const { return busy_ > 0; }

    // The dialog-free forms the menu's actions end in (tests call these). Each finishes with
    // finished(ok, message).
    // By the suffix: .png (colored as the view shows it: its colormap over the range its
    // normalisation gives, per map, per layer or global), .tif/.tiff (float32), .npy (float32,
    // H × W).
    void exportCurrentMap(const QString& path, bool withColorbar = false);
    // Layer `layer`'s maps (-1: every layer) in the CLI's layout: DIR/layerNN_name/mapNNN.*,
    // maps.npy, contact_sheet.png and DIR/manifest.json.
    void exportMaps(int layer, const QString& dir, ExportFormats formats, bool contactSheets);
    void exportContactSheet(int layer, const QString& path);
    void copyCurrentMap();

Q_SIGNALS:
    void finished(bool ok, const QString& message);

private:
    void currentMapDialog(const QString& suffix, bool withColorbar);
    void folderDialog(bool wholeStack);
    void contactSheetDialog();
    // Runs `work` (which throws on failure) on a worker with a current snapshot.
    void runWithSnapshot(const QString& done, std::function<void(const MapSnapshot&)> work);
    QString suggestedName(const QString& suffix) const;

    Document* document_;
    MapDataProvider* data_;
    QWidget* window_;
    ProjectController* project_ = nullptr;
    QMenu* menu_;
    QAction* copy_;
    int busy_ = 0;
    QString lastDir_;
};

} // namespace convscope::ui
