#pragma once
// Prediction: for a pipeline that ends in a classifier head, the five most probable classes
// with their probabilities as bars, updated with every run. The scores are the live run's own
// (MapDataProvider's snapshot): the panel never runs the engine.

#include "class_scores.hpp"
#include "render_types.hpp"

#include <QWidget>

#include <memory>

class QLabel;

namespace convscope::ui {

class Document;
class MapDataProvider;

// Rows of label, bar and percentage.
class ClassBars : public QWidget {
    Q_OBJECT

public:
    explicit ClassBars(QWidget* parent = nullptr);
    void setScores(const std::vector<ClassScore>& scores);
    const std::vector<ClassScore>& scores() const { return scores_; }
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    int rowHeight() const;
    std::vector<ClassScore> scores_;
};

class PredictionPanel : public QWidget {
    Q_OBJECT

public:
    PredictionPanel(Document* document, MapDataProvider* data, QWidget* parent = nullptr);
    ~PredictionPanel() override;

    // The pipeline ends in a classifier head (the panel has something to show).
    bool hasClassifier() const;
    // What is on screen, and the document revision it shows (0: nothing yet).
    const Prediction& shown() const { return shown_; }
    quint64 shownRevision() const { return shownRevision_; }
    ClassBars* bars() const { return bars_; }
    QString headline() const;

Q_SIGNALS:
    void predictionShown();

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void onSnapshot(const std::shared_ptr<const MapSnapshot>& snapshot);
    void updateWanted();
    void clearShown(const QString& why);

    Document* document_;
    MapDataProvider* data_;
    QLabel* headline_;
    ClassBars* bars_;
    QLabel* note_;
    Prediction shown_;
    quint64 shownRevision_ = 0;
};

} // namespace convscope::ui
