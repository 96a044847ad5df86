// Gram matrices written tile by tile and gathered from tiles: byte for byte what the in-memory
// computation writes, whatever the tile size, thread count, lengths or kernels.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "rntk/distributed_gram.hpp"
#include "rntk/error.hpp"
#include "rntk/io.hpp"
#include "test_util.hpp"

namespace rntk {
namespace {

namespace fs = std::filesystem;
using testing::random_set;

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string npy_bytes(const Matrix& m) {
  std::ostringstream out;
  write_matrix(out, m, MatrixFormat::kNpy);
  return out.str();
}

struct Case {
  std::size_t min_length, max_length;
  bool cross, bidirectional;
  int tile_size, threads;
};

class TileFiles : public ::testing::TestWithParam<Case> {};

TEST_P(TileFiles, EqualTheInMemoryMatricesByteForByte) {
  const Case c = GetParam();
  const SequenceSet x = random_set(23, 2, c.min_length, c.max_length, 5);
  const SequenceSet y = random_set(9, 2, c.min_length, c.max_length, 6);
  const SequenceSetView yv = y.view();
  Settings s;
  s.kernel.layers = 2;
  s.kernel.bidirectional = c.bidirectional;
  s.engine.tile_size = c.tile_size;
  s.engine.threads = c.threads;
  const fs::path dir = fs::temp_directory_path() / "rntk_tile_files";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::vector<GramFile> files{{true, 2, (dir / "ntk2.npy").string()},
                                    {false, 1, (dir / "nngp1.npy").string()}};
  write_gram_files(x.view(), c.cross ? &yv : nullptr, s, files, local_cluster());
  Settings reference = s;
  reference.engine.tile_size = 64;
  reference.engine.threads = 1;
  const GramResult g = c.cross ? gram(x.view(), yv, reference, {true, true, true}) : gram(x.view(), reference, {true, true, true});
  EXPECT_EQ(slurp(dir / "ntk2.npy"), npy_bytes(g.ntk));
  EXPECT_EQ(slurp(dir / "nngp1.npy"), npy_bytes(g.nngp_shallower[0]));
  EXPECT_EQ(static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), {})), 2u) << "no scratch file left";
  const GramResult gathered = gather_gram(x.view(), c.cross ? &yv : nullptr, s, {true, false, false}, local_cluster());
  EXPECT_EQ(npy_bytes(gathered.ntk), npy_bytes(g.ntk));
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Shapes, TileFiles,
                         ::testing::Values(Case{30, 30, false, false, 64, 2},  // equal lengths: written in place
                                           Case{5, 40, false, false, 4, 2},   // ragged: permuted from engine order
                                           Case{5, 40, true, false, 7, 1},    // K(X, Y)
                                           Case{30, 30, true, false, 1, 2},
                                           Case{5, 40, false, true, 5, 2}),   // bidirectional
                         [](const auto& info) { return "case" + std::to_string(info.index); });

TEST(TileFiles, AFailedRunLeavesNoFile) {
  Settings s;
  s.kernel.sigma_w = 60;  // overflows: the walk reports a non-finite kernel
  s.kernel.layers = 3;
  const fs::path dir = fs::temp_directory_path() / "rntk_tile_files_fail";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::vector<GramFile> files{{true, 3, (dir / "K.npy").string()}};
  const SequenceSet long_x = random_set(10, 1, 400, 500, 2);
  EXPECT_THROW(write_gram_files(long_x.view(), nullptr, s, files, local_cluster()), Error);
  EXPECT_TRUE(fs::is_empty(dir));
  fs::remove_all(dir);
}

TEST(MemoryBudget, EstimateCountsTheMatricesOnlyWhenHeldWhole) {
  const SequenceSet x = random_set(1000, 1, 10, 10, 3);
  Settings s;
  s.engine.threads = 2;
  const std::size_t whole = gram_memory_bytes(x.view(), nullptr, s, {true, true, false}, true);
  const std::size_t tiled = gram_memory_bytes(x.view(), nullptr, s, {true, true, false}, false);
  EXPECT_EQ(whole - tiled, 2u * 1000 * 1000 * sizeof(double));
  EXPECT_LT(tiled, 4u << 20);  // inputs, statistics and two threads' 128 x 128 tile buffers
}

TEST(MemoryBudget, SizesParseWithUnitsAndBadOnesNameTheOption) {
  EXPECT_EQ(parse_bytes("512M", "--memory-budget"), 512u << 20);
  EXPECT_EQ(parse_bytes("1.5GiB", "--memory-budget"), 3u << 29);
  EXPECT_EQ(parse_bytes("4096", "--memory-budget"), 4096u);
  EXPECT_EQ(parse_bytes("2k", "--memory-budget"), 2048u);
  for (const char* bad : {"", "lots", "-1G", "5X", "0"}) {
    try {
      parse_bytes(bad, "--memory-budget");
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("--memory-budget = '" + std::string(bad) + "'"), std::string::npos);
    }
  }
  EXPECT_EQ(format_bytes(3u << 29), "1.5 GiB");
}

}  // namespace
}  // namespace rntk
