// libFuzzer harness: grid text (parse_grid) and, through it, every parameter's text parser
// (ParamSpec::parse, as set_param uses it).
#include <cmath>
#include <cstdint>

#include "check.hpp"
#include "rntk/selection.hpp"

namespace {

using namespace rntk;

// Points of small grids only: a grid's size is the product of its axes, so a short text can ask for
// billions of points, which is the user's request, not a bug.
constexpr std::size_t kMaxPoints = 512;

void check_grid(const Grid& grid) {
  std::size_t product = 1;
  for (const auto& [name, values] : grid.axes) {
    const ParamSpec& spec = param_spec(name);
    fuzz::expect(spec.name == name && !values.empty(), "axes under canonical names, with values");
    for (const std::string& text : values) {
      const double v = spec.parse(text);
      fuzz::expect(std::isfinite(v) && v >= spec.min_value && v <= spec.max_value,
                   "an accepted value is finite and in range", name + " = " + text);
      fuzz::expect(spec.parse(spec.format(v)) == v, "a value reads back as written", name + " = " + text);
    }
    product = std::min(product * values.size(), kMaxPoints + 1);
  }
  const Grid again = parse_grid(grid.text(), "grid text");
  fuzz::expect(again.axes == grid.axes, "the grid reads back from its text", grid.text());
  if (product > kMaxPoints) return;
  // Every value was checked by parse_grid, so making the points must not throw.
  const std::vector<Settings> points = grid.points(Settings{});
  fuzz::expect(!points.empty() && points.size() <= product, "between 1 and the product of the axes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Grid grid;
  try {
    grid = parse_grid(fuzz::as_text(data, size), "grid.txt");
  } catch (const Error& e) {
    fuzz::expect_named_error(e, "grid.txt", {Error::Kind::kParameter});
    return 0;
  }
  check_grid(grid);
  return 0;
}
