// Parity against Hugging Face transformers' own log-probs (reference.json written by
// tools/make_hf_reference.py next to each random model saved with save_pretrained):
//  - the CPU engine in fp32 (runs everywhere, no GPU needed): max |Δ logprob| ≤ 1e-3, same argmax;
//  - the CUDA engine (on a GPU): fp32 ≤ 1e-3, bf16 ≤ 0.05 against the fp32 reference.
// Model folders: tests/fixtures/cuda/hf_reference/* (committed, tiny) and $EVALRUN_HF_REFERENCE_DIR/*
// (e.g. the realistic widths made on the GPU machine by tools/cuda_parity.py).
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "backends/engine/transformer.h"
#include "backends/model/weights.h"
#include "tests/cuda/cuda_test_util.h"

namespace evalrun::cuda_test {
namespace {

namespace fs = std::filesystem;

// The source tree: $EVALRUN_SOURCE_DIR when set (a build run from another checkout, e.g. on the GPU
// machine), else the tree this test was built from.
fs::path source_dir() {
  const char* env = std::getenv("EVALRUN_SOURCE_DIR");
  return env && *env ? fs::path(env) : fs::path(EVALRUN_SOURCE_DIR);
}

std::vector<fs::path> reference_models() {
  std::vector<fs::path> roots = {source_dir() / "tests/fixtures/cuda/hf_reference"};
  if (const char* extra = std::getenv("EVALRUN_HF_REFERENCE_DIR")) roots.emplace_back(extra);
  std::vector<fs::path> dirs;
  for (const auto& r : roots)
    if (fs::is_directory(r))
      for (const auto& e : fs::directory_iterator(r))
        if (fs::exists(e.path() / "reference.json")) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

struct Result {
  double max_diff = 0;
  int argmax_mismatches = 0;
  size_t positions = 0;
};

// Scores every position of every reference sequence on `device` and compares with `key`.
Result compare(const std::shared_ptr<const model::ModelWeights>& weights, std::unique_ptr<Device> device,
               const nlohmann::json& ref, const char* key) {
  engine::Transformer tf(weights, std::move(device));
  Result r;
  for (const auto& s : ref["sequences"]) {
    if (s[key].is_null()) continue;
    const auto tokens = s["tokens"].get<std::vector<int32_t>>();
    const auto want = s[key].get<std::vector<double>>();
    const auto want_argmax = s["argmax"].get<std::vector<int32_t>>();
    tf.reserve_cache(int(tokens.size()));
    std::vector<engine::SeqWork> w(1);
    w[0].tokens = tokens;
    for (int i = 0; i + 1 < int(tokens.size()); ++i) w[0].outputs.push_back({i, tokens[i + 1]});
    tf.run(w);
    EXPECT_EQ(w[0].logprob.size(), want.size());
    for (size_t i = 0; i < want.size() && i < w[0].logprob.size(); ++i) {
      r.max_diff = std::max(r.max_diff, std::fabs(double(w[0].logprob[i]) - want[i]));
      r.argmax_mismatches += w[0].argmax[i] != want_argmax[i];
      ++r.positions;
    }
  }
  return r;
}

nlohmann::json read_reference(const fs::path& dir) {
  std::ifstream f(dir / "reference.json");
  return nlohmann::json::parse(f);
}

TEST(HfReference, CpuEngineMatchesTransformersFp32) {
  const auto dirs = reference_models();
  if (dirs.empty())
    GTEST_SKIP() << "no reference models yet: run tools/make_hf_reference.py on a machine with transformers";
  for (const auto& dir : dirs) {
    SCOPED_TRACE(dir.string());
    const auto ref = read_reference(dir);
    auto weights = std::make_shared<model::ModelWeights>(model::load_model_weights(dir));
    const Result r = compare(weights, engine::make_cpu_device(0), ref, "logprob");
    EXPECT_GT(r.positions, 0u);
    EXPECT_LE(r.max_diff, 1e-3);
    EXPECT_EQ(r.argmax_mismatches, 0);
  }
}

TEST(HfReference, CudaEngineMatchesTransformers) {
  EVALRUN_REQUIRE_GPU();
  const auto dirs = reference_models();
  if (dirs.empty()) GTEST_SKIP() << "no reference models yet";
  for (const auto& dir : dirs) {
    SCOPED_TRACE(dir.string());
    const auto ref = read_reference(dir);
    auto weights = std::make_shared<model::ModelWeights>(model::load_model_weights(dir));
    const Result f32 = compare(weights, make_gpu(DType::kF32), ref, "logprob");
    EXPECT_LE(f32.max_diff, 1e-3);
    EXPECT_EQ(f32.argmax_mismatches, 0);
    const Result bf16 = compare(weights, make_gpu(DType::kBF16), ref, "logprob");
    EXPECT_LE(bf16.max_diff, 0.05);
    // How far transformers' own bf16 run is from its fp32 run (context for the 0.05 bound).
    double hf_bf16 = 0;
    for (const auto& s : ref["sequences"])
      if (!s["logprob_bf16"].is_null()) {
        const auto a = s["logprob"].get<std::vector<double>>(), b = s["logprob_bf16"].get<std::vector<double>>();
        for (size_t i = 0; i < a.size(); ++i) hf_bf16 = std::max(hf_bf16, std::fabs(a[i] - b[i]));
      }
    std::printf("[ parity ] %s: cuda f32 max|Δ| %.2e, cuda bf16 max|Δ| %.3f (transformers bf16 vs fp32: %.3f) over "
                "%zu positions\n",
                dir.filename().c_str(), f32.max_diff, bf16.max_diff, hf_bf16, f32.positions);
  }
}

}  // namespace
}  // namespace evalrun::cuda_test
