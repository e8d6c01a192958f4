// `varrl render`: writes a synthetic text-rendering corpus, DIR/img/NNNNNN.png + DIR/prompts.jsonl.
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "varrl/cli/commands.h"
#include "varrl/cli/common.h"
#include "varrl/core/error.h"
#include "varrl/core/metrics.h"
#include "varrl/core/progress.h"
#include "varrl/core/rng.h"
#include "varrl/data/render.h"

namespace varrl::cli {

namespace {

struct RenderArgs {
  CommonOptions common;
  long count = 0;
  uint64_t seed = 0;
  std::string out;
  bool heldout = false;
  bool seed_given = false;
};

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f || !f.write(bytes.data(), static_cast<std::streamsize>(bytes.size())))
    throw Error(path + ": cannot write image");
}

void run_render(const RenderArgs& a) {
  Config cfg = resolve_config(a.common);
  RenderOptions opts = RenderOptions::from_config(cfg);
  const uint64_t seed = a.seed_given ? a.seed : static_cast<uint64_t>(cfg.get<int64_t>("runtime.seed"));
  const bool heldout = a.heldout || opts.heldout;
  namespace fs = std::filesystem;
  const fs::path dir(a.out);
  std::error_code ec;
  fs::create_directories(dir / "img", ec);
  if (ec) throw Error(a.out + ": cannot create output folder (" + ec.message() + ")");

  int threads = a.common.threads >= 0 ? a.common.threads : cfg.get<int>("runtime.threads");
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<int>(std::min<long>(threads, a.count));

  std::vector<PromptRecord> rows(static_cast<size_t>(a.count));
  std::atomic<long> next{0}, done{0};
  std::mutex err_mu;
  std::string first_error;
  std::atomic<bool> failed{false};
  auto t0 = std::chrono::steady_clock::now();
  auto worker = [&] {
    while (true) {
      long i = next.fetch_add(1);
      if (i >= a.count) return;
      try {
        // Sample i's seed depends only on (seed, i): any split across threads gives the same corpus.
        RenderedSample s = render_sample(opts, derive_seed(seed, static_cast<uint64_t>(i)), heldout);
        char name[32];
        std::snprintf(name, sizeof name, "img/%06ld.png", i);
        write_bytes((dir / name).string(), encode_png(s.image));
        s.record.image = name;
        rows[static_cast<size_t>(i)] = std::move(s.record);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(err_mu);
        if (first_error.empty()) first_error = e.what();
        failed = true;
        next = a.count;
      }
      done.fetch_add(1);
    }
  };
  Progress bar("render", a.count);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  while (done.load() < a.count && !failed.load()) {
    bar.update(done.load());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (auto& t : pool) t.join();
  if (failed.load()) throw Error("render: " + first_error);
  bar.finish();
  const std::string jsonl = (dir / "prompts.jsonl").string();
  write_prompts(jsonl, rows);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  print_summary({{"count", a.count},
                 {"out", jsonl},
                 {"heldout", heldout},
                 {"seed", seed},
                 {"width", opts.width},
                 {"height", opts.height},
                 {"seconds", secs},
                 {"images_per_s", a.count / std::max(secs, 1e-9)}});
}

}  // namespace

void add_render_command(CLI::App& app) {
  auto args = std::make_shared<RenderArgs>();
  auto* cmd = app.add_subcommand("render", "write a synthetic text-rendering corpus (PNG images + prompts.jsonl)");
  cmd->add_option("--count", args->count, "number of images")->required()->check(positive());
  cmd->add_option("--seed", args->seed,
                  "master seed; sample i uses a seed derived from (seed, i) (default: runtime.seed)");
  cmd->add_option("--out", args->out, "output folder (gets img/ and prompts.jsonl)")->required();
  cmd->add_flag("--heldout", args->heldout, "use only held-out words (evaluation sets)");
  add_common_options(cmd, args->common);
  cmd->callback([args, cmd] {
    args->seed_given = cmd->count("--seed") > 0;
    run_render(*args);
  });
}

}  // namespace varrl::cli
