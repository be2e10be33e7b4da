#pragma once
// Input preparation: what is done to the image before layer 1 reads it — the channels the
// network reads, each channel's mean and std (torchvision's Normalize, with presets), and the
// size the network was made for, with running on the whole image, resizing or centre-cropping
// to it. Every change is one undo step (input_settings.hpp holds the edits) and re-renders.

#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QGridLayout;
class QLabel;
class QSpinBox;

namespace convscope::ui {

class Document;

class InputPreparationPanel : public QWidget {
    Q_OBJECT

public:
    explicit InputPreparationPanel(Document* document, QWidget* parent = nullptr);

    QComboBox* presetBox() const { return preset_; }
    QComboBox* fitBox() const { return fit_; }
    QDoubleSpinBox* meanBox(int channel) const;
    QDoubleSpinBox* stdBox(int channel) const;
    QSpinBox* heightBox() const { return height_; }
    QSpinBox* widthBox() const { return width_; }
    QString fitText() const;

private:
    void refresh();
    void rebuildChannels(int channels);
    void applyPreset(int index);
    void applySize();

    Document* document_;
    QLabel* channels_;
    QComboBox* preset_;
    QGridLayout* channelGrid_;
    QList<QDoubleSpinBox*> means_;
    QList<QDoubleSpinBox*> stds_;
    QList<QLabel*> channelLabels_;
    QSpinBox* height_;
    QSpinBox* width_;
    QComboBox* fit_;
    QLabel* fitText_;
};

} // namespace convscope::ui
