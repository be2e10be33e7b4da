#include "prediction_panel.hpp"

#include "document.hpp"
#include "map_data.hpp"
#include "number_format.hpp"

#include <QFileInfo>
#include <QLabel>
#include <QPainter>
#include <QVBoxLayout>

namespace convscope::ui {

ClassBars::ClassBars(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("classBars"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Minimum);
}

int ClassBars::rowHeight() const {
    return fontMetrics().height() + 10;
}

QSize ClassBars::sizeHint() const {
    return {280, 5 * rowHeight()};
}

QSize ClassBars::minimumSizeHint() const {
    return {160, 5 * rowHeight()};
}

void ClassBars::setScores(const std::vector<ClassScore>& scores) {
    scores_ = scores;
    QStringList tips;
    for (const ClassScore& s : scores_)
        tips << tr("%1 (output %2): %3").arg(s.label).arg(s.index).arg(formatNumber(s.probability));
    setToolTip(tips.join(QLatin1Char('\n')));
    update();
}

void ClassBars::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QFontMetrics fm = fontMetrics();
    const int h = rowHeight();
    // The label column fits the longest label, up to 45 % of the width (longer ones elide).
    QFont bold = font();
    bold.setBold(true);
    const QFontMetrics boldMetrics(bold);
    int labelWidth = 0;
    for (std::size_t i = 0; i < scores_.size(); ++i)
        labelWidth =
            std::max(labelWidth, (i == 0 ? boldMetrics : fm).horizontalAdvance(scores_[i].label));
    labelWidth = std::min(labelWidth + 8, int(width() * 0.45));
    const int percentWidth = fm.horizontalAdvance(QStringLiteral("100.0 %")) + 6;
    const int barLeft = labelWidth;
    const int barWidth = std::max(10, width() - barLeft - percentWidth);
    const QPalette pal = palette();
    for (std::size_t i = 0; i < scores_.size(); ++i) {
        const ClassScore& s = scores_[i];
        const int y = int(i) * h;
        const QRect labelRect(0, y, labelWidth - 6, h);
        QFont font = painter.font();
        font.setBold(i == 0);
        painter.setFont(font);
        painter.setPen(pal.color(QPalette::WindowText));
        painter.drawText(
            labelRect, Qt::AlignVCenter | Qt::AlignRight,
            (i == 0 ? boldMetrics : fm).elidedText(s.label, Qt::ElideRight, labelRect.width()));
        const QRect track(barLeft, y + 4, barWidth, h - 8);
        painter.setPen(Qt::NoPen);
        painter.setBrush(pal.color(QPalette::AlternateBase));
        painter.drawRoundedRect(track, 3, 3);
        const double p = std::isfinite(s.probability) ? std::clamp(s.probability, 0.0, 1.0) : 0.0;
        QRect bar = track;
        bar.setWidth(std::max(p > 0 ? 2 : 0, int(std::lround(track.width() * p))));
        painter.setBrush(i == 0 ? pal.color(QPalette::Highlight)
                                : pal.color(QPalette::Highlight).lighter(140));
        painter.drawRoundedRect(bar, 3, 3);
        painter.setPen(pal.color(QPalette::WindowText));
        const QString percent = std::isfinite(s.probability)
                                    ? QStringLiteral("%1 %").arg(100.0 * s.probability, 0, 'f',
                                                                 s.probability < 0.001 ? 2 : 1)
                                    : formatNumber(s.probability);
        painter.drawText(QRect(barLeft + barWidth, y, percentWidth, h),
                         Qt::AlignVCenter | Qt::AlignRight, percent);
    }
}

PredictionPanel::PredictionPanel(Document* document, MapDataProvider* data, QWidget* parent)
    : QWidget(parent), document_(document), data_(data) {
    setObjectName(QStringLiteral("prediction"));
    auto* layout = new QVBoxLayout(this);
    headline_ = new QLabel;
    headline_->setObjectName(QStringLiteral("predictionHeadline"));
    headline_->setWordWrap(true);
    bars_ = new ClassBars;
    note_ = new QLabel;
    note_->setObjectName(QStringLiteral("predictionNote"));
    note_->setWordWrap(true);
    note_->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(headline_);
    layout->addWidget(bars_);
    layout->addWidget(note_);
    // No taller than its headline, five rows and a few lines of note: the kernel editor above
    // it keeps the rest of the column.
    const QMargins m = layout->contentsMargins();
    setMaximumHeight(m.top() + m.bottom() + 3 * layout->spacing() +
                     bars_->minimumSizeHint().height() + 4 * fontMetrics().lineSpacing());

    connect(data_, &MapDataProvider::snapshotReady, this, &PredictionPanel::onSnapshot);
    connect(document_, &Document::pipelineChanged, this, &PredictionPanel::updateWanted);
    connect(document_, &Document::modelChanged, this, [this] {
        shownRevision_ = 0; // the labels changed: show the scores again
        updateWanted();
    });
    clearShown(tr("Open a model with a classifier head (File ▸ Open model…, or the "
                  "Fashion-MNIST classifier in Pipelines) to see its class scores here."));
}

PredictionPanel::~PredictionPanel() = default;

bool PredictionPanel::hasClassifier() const {
    return classifierHead(document_->pipeline()).has_value();
}

QString PredictionPanel::headline() const {
    return headline_->text();
}

void PredictionPanel::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    updateWanted();
}

void PredictionPanel::hideEvent(QHideEvent* event) {
    QWidget::hideEvent(event);
    data_->setWanted(QStringLiteral("prediction"), false);
}

void PredictionPanel::updateWanted() {
    const bool classifier = hasClassifier();
    data_->setWanted(QStringLiteral("prediction"), classifier && isVisible());
    if (!classifier) {
        clearShown(tr("The pipeline does not end in a classifier head (a linear layer, or a "
                      "softmax after one, giving one score per class)."));
        return;
    }
    if (isVisible())
        data_->withCurrent(this, [this](std::shared_ptr<const MapSnapshot> s) { onSnapshot(s); });
}

void PredictionPanel::clearShown(const QString& why) {
    shown_ = {};
    shownRevision_ = 0;
    headline_->clear();
    headline_->setVisible(false);
    bars_->setScores({});
    bars_->setVisible(false);
    note_->setText(why);
}

void PredictionPanel::onSnapshot(const std::shared_ptr<const MapSnapshot>& snapshot) {
    if (!snapshot || !isVisible() || !hasClassifier())
        return;
    // A snapshot of an earlier state than the one shown is old news.
    if (snapshot->revision < shownRevision_ || snapshot->revision != document_->revision())
        return;
    if (snapshot->revision == shownRevision_)
        return;
    const QStringList labels = document_->classLabels();
    shown_ = predict(*snapshot, labels);
    shownRevision_ = snapshot->revision;
    if (shown_.top.empty()) {
        headline_->setVisible(false);
        bars_->setVisible(false);
        note_->setText(shown_.problem);
    } else {
        const ClassScore& best = shown_.top.front();
        headline_->setText(tr("<b>%1</b> · %2 %")
                               .arg(best.label.toHtmlEscaped())
                               .arg(100.0 * best.probability, 0, 'f', 1));
        headline_->setVisible(true);
        bars_->setScores(shown_.top);
        bars_->setVisible(true);
        const auto head = classifierHead(snapshot->pipeline);
        QString note = head && head->probabilities
                           ? tr("Top %1 of %2 classes (the softmax's probabilities).")
                           : tr("Top %1 of %2 classes (a softmax of the scores).");
        note = note.arg(shown_.top.size()).arg(shown_.classes);
        if (labels.isEmpty())
            note += QLatin1Char(' ') + tr("No class names (no usable “labels” metadata or "
                                          "labels file beside the model): they are numbered.");
        else if (labels.size() != shown_.classes)
            note += QLatin1Char(' ') + tr("%1 labels for %2 classes: the rest are numbered.")
                                           .arg(labels.size())
                                           .arg(shown_.classes);
        note_->setText(note);
    }
    Q_EMIT predictionShown();
}

} // namespace convscope::ui
