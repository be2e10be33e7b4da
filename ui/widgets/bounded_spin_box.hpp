#pragma once
// A spin box for a parameter with limits (kernel size, dilation, stride, …). It acts when the
// user is done (Enter, focus out, the arrows), never at the first digit typed, and it says its
// limits: in its tooltip, and when a typed value lies outside them, in a message next to it
// (and through limitMessage, for the status bar) before it takes the nearest allowed value.

#include <QSpinBox>

namespace convscope::ui {

class BoundedSpinBox : public QSpinBox {
    Q_OBJECT

public:
    explicit BoundedSpinBox(QWidget* parent = nullptr);

    // The range, said in the tooltip.
    void setLimits(int minimum, int maximum);
    // Shows `value` as it is, even beyond the limits (a file or a model may hold a dilation of
    // 200 where typing stops at 16): the range widens to include it, rather than the box
    // showing, and later applying, a clamped value.
    void showValue(int value);
    // "Kernel height": what the messages call the value.
    void setQuantity(const QString& quantity) { quantity_ = quantity; }
    // The tooltip, followed by the limits ("Allowed: 1 to 15"), kept in step with the range.
    void setDescription(const QString& description);
    // "1 to 15".
    QString limitsText() const;

Q_SIGNALS:
    // A typed value was outside the limits: what happened, in a sentence.
    void limitMessage(const QString& text);

protected:
    QValidator::State validate(QString& text, int& pos) const override;
    void fixup(QString& text) const override;
    bool event(QEvent* event) override;

private:
    // The typed number without prefix and suffix, if it is one.
    bool typedNumber(const QString& text, qlonglong& number) const;
    void updateToolTip();
    void reportClamp();

    int lowest_ = 0, highest_ = 99; // the limits set, before showValue widened them
    QString quantity_;
    QString description_;
    // Set by fixup (const, called by Qt as the text is interpreted), reported after it.
    mutable qlonglong clampedFrom_ = 0;
    mutable bool clamped_ = false;
};

} // namespace convscope::ui
