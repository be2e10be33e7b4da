// The filters-as-pictures core (ui/core/filter_pictures): the colours a weight gets on the
// layer's one diverging scale, the mosaic of input channels, and that an edit redoes only the
// filters it changed.

#include "filter_pictures.hpp"
#include "map_rendering.hpp"

#include <QTest>

#include <cmath>

using namespace convscope;
using namespace convscope::ui;

namespace {

Conv2d makeConv(int out, int in, int kh, int kw) {
    Conv2d conv;
    conv.weights.out_channels = out;
    conv.weights.in_channels = in;
    conv.weights.kernel_h = kh;
    conv.weights.kernel_w = kw;
    conv.weights.values.assign(std::size_t(out) * in * kh * kw, 0.0f);
    return conv;
}

} // namespace

class TestFilterPictures : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void anRgbFilterIsAColourPictureWithGreyAtZero() {
        Conv2d conv = makeConv(2, 3, 2, 2);
        conv.weights.set(0, 0, 0, 0, 0.5f);  // red at the top of the scale
        conv.weights.set(0, 2, 0, 1, -0.5f); // blue at the bottom
        conv.weights.set(1, 1, 1, 1, 0.25f); // green half way up
        FilterPictures pictures;
        pictures.update(conv, true);
        QCOMPARE(pictures.style(), FilterPictures::Style::Colour);
        QCOMPARE(pictures.filterCount(), 2);
        QCOMPARE(pictures.scale(), 0.5f);
        const QImage& first = pictures.picture(0);
        QCOMPARE(first.size(), QSize(2, 2));
        QCOMPARE(first.pixel(0, 0), qRgb(255, 128, 128));
        QCOMPARE(first.pixel(1, 0), qRgb(128, 128, 0));
        QCOMPARE(first.pixel(1, 1), qRgb(128, 128, 128)); // zero is grey
        QCOMPARE(pictures.picture(1).pixel(1, 1), qRgb(128, 191, 128));
    }

    void otherFiltersAreHeatMapsOfEveryInputChannelOnOneScale() {
        Conv2d conv = makeConv(2, 5, 3, 3);
        conv.weights.set(0, 4, 2, 2, 2.0f);
        conv.weights.set(1, 0, 0, 0, -1.0f);
        FilterPictures pictures;
        pictures.update(conv, true); // 5 channels: colour is not possible
        QCOMPARE(pictures.style(), FilterPictures::Style::HeatMaps);
        QCOMPARE(pictures.mosaicColumns(), 3); // ceil(sqrt(5))
        QCOMPARE(pictures.mosaicRows(), 2);
        QCOMPARE(pictures.picture(0).size(), QSize(3 * 3 + 2, 2 * 3 + 1));
        const ColorLut& lut = colorLut(Colormap::Diverging);
        // Channel 5 is the second cell of the second row: (4, 4) is its (1, 1)'s... its (2, 2)
        // sits at x = 1·4 + 2, y = 1·4 + 2.
        QCOMPARE(pictures.picture(0).pixel(6, 6), lut[255]);
        QCOMPARE(pictures.picture(0).pixel(0, 0), lut[128]); // zero: the middle
        // One scale for the layer: filter 2's −1 is a quarter of the way up, not the bottom.
        QCOMPARE(pictures.picture(1).pixel(0, 0), lut[64]);
        int ky = -1, kx = -1;
        QCOMPARE(pictures.channelAt(6, 6, &ky, &kx), 4);
        QCOMPARE(ky, 2);
        QCOMPARE(kx, 2);
        QCOMPARE(pictures.channelAt(3, 0), -1); // the gap between cells
        QCOMPARE(pictures.channelAt(9, 5), -1); // the sixth cell: no channel
        QCOMPARE(qAlpha(pictures.picture(0).pixel(3, 0)), 0);
    }

    void colourCanBeTurnedOffForAnRgbLayer() {
        Conv2d conv = makeConv(1, 3, 7, 7);
        conv.weights.set(0, 1, 3, 3, 1.0f);
        FilterPictures pictures;
        pictures.update(conv, false);
        QCOMPARE(pictures.style(), FilterPictures::Style::HeatMaps);
        QCOMPARE(pictures.picture(0).size(), QSize(2 * 7 + 1, 2 * 7 + 1));
    }

    void anEditRedoesOnlyTheFilterItChanged() {
        Conv2d conv = makeConv(64, 3, 7, 7);
        for (int f = 0; f < 64; ++f)
            conv.weights.set(f, 0, 0, 0, f % 2 ? 1.0f : -1.0f);
        FilterPictures pictures;
        QCOMPARE(int(pictures.update(conv, true).size()), 64);
        QVERIFY(pictures.update(conv, true).empty()); // the very same weights
        Conv2d edited = conv;
        edited.weights.set(5, 1, 2, 2, 0.5f); // within the scale
        const std::vector<int> redone = pictures.update(edited, true);
        QCOMPARE(redone, std::vector<int>{5});
        QCOMPARE(pictures.picture(5).pixel(2, 2), qRgb(128, 191, 128));
        // A weight beyond the scale changes every picture's colours.
        edited.weights.set(9, 0, 0, 0, 4.0f);
        QCOMPARE(int(pictures.update(edited, true).size()), 64);
        QCOMPARE(pictures.scale(), 4.0f);
    }

    void brokenWeightsStillMakeAPicture() {
        Conv2d conv = makeConv(1, 3, 1, 2);
        conv.weights.set(0, 0, 0, 0, std::nanf(""));
        conv.weights.set(0, 1, 0, 0, INFINITY);
        conv.weights.set(0, 2, 0, 1, 1.0f);
        FilterPictures pictures;
        pictures.update(conv, true);
        QCOMPARE(pictures.scale(), 1.0f); // the finite weights set the scale
        QCOMPARE(pictures.picture(0).pixel(0, 0), qRgb(128, 255, 128));
    }
};

QTEST_GUILESS_MAIN(TestFilterPictures)
#include "test_filter_pictures.moc"
