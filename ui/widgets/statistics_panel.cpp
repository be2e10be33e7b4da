#include "statistics_panel.hpp"

#include "document.hpp"
#include "number_format.hpp"

#include <QCheckBox>
#include <QFormLayout>
#include <QHelpEvent>
#include <QLabel>
#include <QPainter>
#include <QToolTip>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

namespace convscope::ui {

HistogramWidget::HistogramWidget(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setToolTip(tr("How the map's values are distributed: each bar counts the values in its "
                  "interval (hover a bar to read it)"));
}

void HistogramWidget::setStatistics(const MapStatistics& statistics) {
    stats_ = statistics;
    has_ = true;
    update();
}

void HistogramWidget::clear() {
    has_ = false;
    update();
}

void HistogramWidget::setLogScale(bool log) {
    log_ = log;
    update();
}

QRect HistogramWidget::plotRect() const {
    const int text = fontMetrics().height();
    return rect().adjusted(6, 4, -6, -(text + 6));
}

int HistogramWidget::binAt(QPoint pos) const {
    if (!has_ || stats_.histogram.empty())
        return -1;
    const QRect plot = plotRect();
    if (pos.x() < plot.left() || pos.x() > plot.right())
        return -1;
    const int bins = int(stats_.histogram.size());
    return std::clamp(int((pos.x() - plot.left()) * bins / std::max(1, plot.width())), 0, bins - 1);
}

void HistogramWidget::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const QPalette& pal = palette();
    p.fillRect(rect(), pal.color(QPalette::Base));
    const QRect plot = plotRect();
    p.setPen(pal.color(QPalette::Mid));
    p.drawLine(plot.bottomLeft(), plot.bottomRight());
    if (!has_ || stats_.histogram.empty() || stats_.count == 0) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(plot, Qt::AlignCenter, tr("no values"));
        return;
    }
    const int bins = int(stats_.histogram.size());
    double peak = 0;
    auto height = [this](std::int64_t n) { return log_ ? std::log10(1.0 + double(n)) : double(n); };
    for (std::int64_t n : stats_.histogram)
        peak = std::max(peak, height(n));
    const QColor bar = pal.color(QPalette::Highlight);
    for (int b = 0; b < bins; ++b) {
        const double x0 = plot.left() + double(plot.width()) * b / bins;
        const double x1 = plot.left() + double(plot.width()) * (b + 1) / bins;
        const double h = peak > 0 ? height(stats_.histogram[b]) / peak * plot.height() : 0;
        if (stats_.histogram[b] > 0)
            p.fillRect(QRectF(x0, plot.bottom() - std::max(1.0, h), std::max(1.0, x1 - x0 - 0.5),
                              std::max(1.0, h)),
                       bar);
    }
    // Zero, where it falls inside the range.
    const double lo = stats_.histogram_low, hi = stats_.histogram_high;
    if (lo < 0 && hi > 0) {
        const double x = plot.left() + (0 - lo) / (hi - lo) * plot.width();
        p.setPen(QPen(pal.color(QPalette::Text), 1, Qt::DashLine));
        p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
    }
    p.setPen(pal.color(QPalette::Text));
    const QRect labels(plot.left(), plot.bottom() + 3, plot.width(), fontMetrics().height());
    p.drawText(labels, Qt::AlignLeft | Qt::AlignTop, formatNumber(lo, 4));
    p.drawText(labels, Qt::AlignRight | Qt::AlignTop, formatNumber(hi, 4));
    if (log_)
        p.drawText(labels, Qt::AlignHCenter | Qt::AlignTop, tr("log counts"));
}

bool HistogramWidget::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int b = binAt(help->pos());
        if (b < 0) {
            QToolTip::showText(help->globalPos(), toolTip(), this);
            return true;
        }
        const int bins = int(stats_.histogram.size());
        const double width = (stats_.histogram_high - stats_.histogram_low) / bins;
        const double from = stats_.histogram_low + width * b;
        QToolTip::showText(help->globalPos(),
                           tr("%1 … %2: %3 values (%4 %)")
                               .arg(formatNumber(from, 4), formatNumber(from + width, 4))
                               .arg(stats_.histogram[b])
                               .arg(100.0 * double(stats_.histogram[b]) /
                                        double(std::max<std::int64_t>(1, stats_.count)),
                                    0, 'f', 2),
                           this);
        return true;
    }
    return QWidget::event(event);
}

StatisticsPanel::StatisticsPanel(Document* document, MapDataProvider* data, QWidget* parent)
    : QWidget(parent), document_(document), data_(data),
      watcher_(new QFutureWatcher<MapStatistics>(this)) {
    setObjectName(QStringLiteral("statisticsPanel"));
    title_ = new QLabel;
    title_->setObjectName(QStringLiteral("statTitle"));
    title_->setToolTip(tr("The map these statistics describe (the one shown large)"));
    QFont bold = title_->font();
    bold.setBold(true);
    title_->setFont(bold);
    deadFlag_ = new QLabel;
    deadFlag_->setObjectName(QStringLiteral("deadFlag"));
    deadFlag_->setWordWrap(true);
    deadFlag_->setToolTip(tr("Every value of this map is exactly zero: after a ReLU, its filter "
                             "never responded positively to this input, so the map carries no "
                             "information"));
    deadFlag_->hide();

    auto figure = [this](const QString& name, const QString& tip) {
        auto* label = new QLabel;
        label->setObjectName(QStringLiteral("stat_") + name);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
        label->setToolTip(tip);
        return label;
    };
    min_ = figure(QStringLiteral("min"), tr("The smallest finite value"));
    max_ = figure(QStringLiteral("max"), tr("The largest finite value"));
    mean_ = figure(QStringLiteral("mean"), tr("The mean of the finite values"));
    std_ = figure(QStringLiteral("std"),
                  tr("Population standard deviation of the finite values (NumPy's std)"));
    zeros_ = figure(QStringLiteral("zeros"), tr("The share of values that are exactly zero"));
    count_ = figure(QStringLiteral("count"),
                    tr("How many values the map has (NaN and ±∞ are left out of the figures)"));

    auto* form = new QFormLayout;
    form->setContentsMargins(0, 0, 0, 0);
    form->setHorizontalSpacing(10);
    form->setVerticalSpacing(2);
    auto addRow = [form](const QString& text, QLabel* value) {
        auto* label = new QLabel(text);
        label->setToolTip(value->toolTip());
        form->addRow(label, value);
    };
    addRow(tr("min"), min_);
    addRow(tr("max"), max_);
    addRow(tr("mean"), mean_);
    addRow(tr("std dev"), std_);
    addRow(tr("zeros"), zeros_);
    addRow(tr("values"), count_);

    histogram_ = new HistogramWidget;
    histogram_->setObjectName(QStringLiteral("histogram"));
    log_ = new QCheckBox(tr("Log counts"));
    log_->setToolTip(tr("Bar heights on a logarithmic scale, so rare values stay visible beside "
                        "a tall bar (e.g. the zeros after a ReLU)"));
    connect(log_, &QCheckBox::toggled, histogram_, &HistogramWidget::setLogScale);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(title_);
    layout->addWidget(deadFlag_);
    layout->addLayout(form);
    layout->addWidget(histogram_, 1);
    layout->addWidget(log_);

    connect(document_, &Document::focusChanged, this, &StatisticsPanel::update_);
    connect(data_, &MapDataProvider::snapshotReady, this, &StatisticsPanel::update_);
    connect(watcher_, &QFutureWatcher<MapStatistics>::finished, this, [this] {
        if (watcher_->future().resultCount() > 0)
            show_(watcher_->result(), pendingMap_, pendingSerial_);
        update_(); // the focus may have moved on meanwhile
    });
    update_();
}

StatisticsPanel::~StatisticsPanel() {
    watcher_->waitForFinished();
}

QString StatisticsPanel::figureText(const QString& name) const {
    const auto* label = findChild<QLabel*>(QStringLiteral("stat_") + name);
    return label ? label->text() : QString();
}

void StatisticsPanel::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    data_->setWanted(QStringLiteral("statistics"), true);
    update_();
}

void StatisticsPanel::hideEvent(QHideEvent* event) {
    QWidget::hideEvent(event);
    data_->setWanted(QStringLiteral("statistics"), false);
}

void StatisticsPanel::update_() {
    const MapId focus = document_->focus();
    auto snapshot = data_->snapshot();
    if (!snapshot || watcher_->isRunning())
        return;
    if (shown_ && shownMap_ == focus && shownSerial_ == snapshot->revision)
        return;
    if (!snapshot->contains(focus)) {
        if (data_->isCurrent()) {
            shown_.reset();
            shownMap_ = focus;
            title_->setText(tr("No map"));
            histogram_->clear();
        }
        return;
    }
    pendingMap_ = focus;
    pendingSerial_ = snapshot->revision;
    watcher_->setFuture(QtConcurrent::run([snapshot, focus] {
        return map_statistics(*snapshot->maps(focus.layer), focus.channel, kBins);
    }));
}

void StatisticsPanel::show_(const MapStatistics& s, MapId map, quint64 serial) {
    shown_ = s;
    shownMap_ = map;
    shownSerial_ = serial;
    const Pipeline& p = document_->pipeline();
    if (map.layer < 0)
        title_->setText(map.channel == 0 && document_->input() &&
                                document_->input()->channels() == 1
                            ? tr("Input")
                            : tr("Input · channel %1").arg(map.channel + 1));
    else
        title_->setText(tr("Layer %1 · %2 · map %3")
                            .arg(map.layer + 1)
                            .arg(map.layer < int(p.layers.size())
                                     ? QString::fromStdString(display_name(p.layers[map.layer]))
                                     : QString())
                            .arg(map.channel + 1));
    min_->setText(formatNumber(s.min));
    max_->setText(formatNumber(s.max));
    mean_->setText(formatNumber(s.mean));
    std_->setText(formatNumber(s.stddev));
    zeros_->setText(QStringLiteral("%1 %").arg(100.0 * s.zero_fraction, 0, 'f', 2));
    count_->setText(s.non_finite > 0 ? tr("%1 (+%2 NaN/∞)").arg(s.count).arg(s.non_finite)
                                     : QString::number(s.count));
    if (s.is_dead()) {
        deadFlag_->setText(tr("⚠ Dead map: every value is zero"));
        const bool dark = palette().color(QPalette::Base).lightness() < 128;
        deadFlag_->setStyleSheet(dark ? QStringLiteral("color: #ff8a7a;")
                                      : QStringLiteral("color: #b42318;"));
        deadFlag_->show();
    } else {
        deadFlag_->hide();
    }
    histogram_->setStatistics(s);
    Q_EMIT statisticsShown();
}

} // namespace convscope::ui
