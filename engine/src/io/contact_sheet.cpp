// Contact sheets drawn with OpenCV's imgproc (resize, putText, rectangle); never highgui.

#include "convscope/contact_sheet.hpp"
#include "convscope/image_io.hpp"
#include "convscope/png_writer.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace convscope {

namespace {

// Sizes in pixels. A cell is at least wide enough for its two label lines.
constexpr int kMargin = 12;
constexpr int kGap = 10;
constexpr int kTitleHeight = 30;
constexpr int kLabelHeight = 34;
constexpr int kMinCellWidth = 120;
constexpr int kMinSheetWidth = 360;

const cv::Scalar kBackground(255, 255, 255);
const cv::Scalar kBorder(170, 170, 170);
const cv::Scalar kText(40, 40, 40);
constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

// The largest font scale ≤ `preferred` at which `text` fits in `width` pixels.
double fitting_scale(const std::string& text, int width, double preferred) {
    int baseline = 0;
    const cv::Size size = cv::getTextSize(text, kFont, preferred, 1, &baseline);
    if (size.width <= width || size.width == 0)
        return preferred;
    return preferred * width / size.width;
}

// `text` centred horizontally in `box`, its baseline `baseline_y` pixels below the box's top.
void draw_centred(cv::Mat& sheet, const std::string& text, const PixelRect& box, int baseline_y,
                  double preferred_scale) {
    const double scale = fitting_scale(text, box.width, preferred_scale);
    int baseline = 0;
    const cv::Size size = cv::getTextSize(text, kFont, scale, 1, &baseline);
    const cv::Point origin(box.x + (box.width - size.width) / 2, box.y + baseline_y);
    cv::putText(sheet, text, origin, kFont, scale, kText, 1, cv::LINE_AA);
}

std::string short_number(float v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3g", static_cast<double>(v));
    return buffer;
}

// One map coloured as write_map_png colours it, scaled to the tile: nearest neighbour when
// enlarging (the pixels stay visible as squares), area averaging when shrinking.
cv::Mat colored_tile(const Tensor& maps, int channel, Colormap requested, int width, int height) {
    const ValueRange range = map_range(maps, channel);
    const Colormap map = resolve_colormap(requested, range);
    RgbImage rgb = colorize(maps, channel, map, display_range(map, range));
    const cv::Mat view(rgb.height, rgb.width, CV_8UC3, rgb.pixels.data());
    cv::Mat tile;
    const bool enlarging = width >= rgb.width && height >= rgb.height;
    cv::resize(view, tile, cv::Size(width, height), 0, 0,
               enlarging ? cv::INTER_NEAREST : cv::INTER_AREA);
    return tile;
}

} // namespace

ContactSheetLayout contact_sheet_layout(Shape maps, const ContactSheetOptions& options) {
    if (maps.empty())
        throw std::invalid_argument("contact sheet: no maps to draw (shape " + maps.str() + ")");
    if (options.tile_size < 1 || options.columns < 0)
        throw std::invalid_argument("contact sheet: the tile size must be at least 1 and the "
                                    "column count not negative");
    ContactSheetLayout layout;
    const int count = maps.channels;
    layout.columns = options.columns > 0
                         ? std::min(options.columns, count)
                         : static_cast<int>(std::ceil(std::sqrt(static_cast<double>(count))));
    layout.rows = (count + layout.columns - 1) / layout.columns;

    const double scale = static_cast<double>(options.tile_size) / std::max(maps.height, maps.width);
    layout.tile_width = std::max(1, static_cast<int>(std::lround(maps.width * scale)));
    layout.tile_height = std::max(1, static_cast<int>(std::lround(maps.height * scale)));

    const int cell_width = std::max(layout.tile_width, kMinCellWidth);
    const int cell_height = layout.tile_height + kLabelHeight;
    const int grid_width = layout.columns * cell_width + (layout.columns - 1) * kGap;
    layout.width = std::max(2 * kMargin + grid_width, kMinSheetWidth);
    layout.height =
        kMargin + kTitleHeight + layout.rows * cell_height + (layout.rows - 1) * kGap + kMargin;
    layout.title = {kMargin, kMargin, layout.width - 2 * kMargin, kTitleHeight};

    // The grid is centred when the sheet is wider than it (a title longer than the grid).
    const int grid_left = (layout.width - grid_width) / 2;
    const int grid_top = kMargin + kTitleHeight;
    for (int i = 0; i < count; ++i) {
        const int cell_x = grid_left + (i % layout.columns) * (cell_width + kGap);
        const int cell_y = grid_top + (i / layout.columns) * (cell_height + kGap);
        const int tile_x = cell_x + (cell_width - layout.tile_width) / 2;
        layout.tiles.push_back({tile_x, cell_y, layout.tile_width, layout.tile_height});
        layout.labels.push_back({cell_x, cell_y + layout.tile_height, cell_width, kLabelHeight});
    }
    return layout;
}

RgbImage render_contact_sheet(const Tensor& maps, const std::string& title,
                              const ContactSheetOptions& options) {
    const ContactSheetLayout layout = contact_sheet_layout(maps.shape(), options);
    cv::Mat sheet(layout.height, layout.width, CV_8UC3, kBackground);
    draw_centred(sheet, title, layout.title, 20, 0.6);

    for (int c = 0; c < maps.channels(); ++c) {
        const PixelRect& t = layout.tiles[static_cast<std::size_t>(c)];
        colored_tile(maps, c, options.colormap, t.width, t.height)
            .copyTo(sheet(cv::Rect(t.x, t.y, t.width, t.height)));
        cv::rectangle(sheet, cv::Rect(t.x - 1, t.y - 1, t.width + 2, t.height + 2), kBorder, 1);

        const PixelRect& label = layout.labels[static_cast<std::size_t>(c)];
        const ValueRange range = map_range(maps, c);
        draw_centred(sheet, "map " + std::to_string(c + 1), label, 15, 0.42); // as the app numbers
        draw_centred(sheet, short_number(range.min) + " .. " + short_number(range.max), label, 30,
                     0.38);
    }

    RgbImage image{
        layout.width, layout.height,
        std::vector<std::uint8_t>(static_cast<std::size_t>(layout.width) * layout.height * 3)};
    // The sheet was drawn with RGB-ordered scalars throughout, so it is RGB already.
    for (int y = 0; y < layout.height; ++y)
        std::copy_n(sheet.ptr<std::uint8_t>(y), static_cast<std::size_t>(layout.width) * 3,
                    image.pixels.data() + static_cast<std::size_t>(y) * layout.width * 3);
    return image;
}

void write_contact_sheet(const std::string& path, const Tensor& maps, const std::string& title,
                         const ContactSheetOptions& options) {
    write_png(path, render_contact_sheet(maps, title, options));
}

std::string contact_sheet_title(const Layer& layer, int index, Shape shape) {
    std::string title = "layer " + std::to_string(index + 1) + ": " + std::string(type_name(layer));
    if (!layer.name.empty())
        title += " \"" + layer.name + "\"";
    if (!layer.enabled)
        title += " (off)";
    return title + "  " + shape.str();
}

} // namespace convscope
