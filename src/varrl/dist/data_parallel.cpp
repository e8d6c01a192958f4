#include "varrl/dist/data_parallel.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "varrl/core/error.h"

namespace varrl {

namespace {

bool env_int(const char* name, int* out) {
  const char* v = std::getenv(name);
  if (!v || !*v) return false;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x < 0 || x > 1 << 20)
    throw Error(std::string(name) + "='" + v + "' is not a non-negative integer");
  *out = static_cast<int>(x);
  return true;
}

// Gloo reduces host tensors; a CUDA tensor travels through a host copy.
torch::Tensor to_host(const torch::Tensor& t) { return t.is_cuda() ? t.cpu() : t.contiguous(); }

}  // namespace

DistEnv DistEnv::from_environment() {
  DistEnv e;
  const bool has_world = env_int("WORLD_SIZE", &e.world_size);
  const bool has_rank = env_int("RANK", &e.rank);
  if (!has_world || e.world_size <= 1) {
    if (has_world && e.world_size == 0) throw Error("WORLD_SIZE=0: must be at least 1");
    return DistEnv{};
  }
  if (!has_rank) throw Error("WORLD_SIZE=" + std::to_string(e.world_size) + " is set but RANK is not");
  if (e.rank >= e.world_size)
    throw Error("RANK=" + std::to_string(e.rank) + " must be below WORLD_SIZE=" + std::to_string(e.world_size));
  env_int("LOCAL_RANK", &e.local_rank);
  if (const char* a = std::getenv("MASTER_ADDR"); a && *a) e.master_addr = a;
  if (env_int("MASTER_PORT", &e.master_port) && (e.master_port == 0 || e.master_port > 65535))
    throw Error("MASTER_PORT=" + std::to_string(e.master_port) + " is not a TCP port");
  if (const char* s = std::getenv("TORCHELASTIC_USE_AGENT_STORE")) e.agent_store = std::string(s) == "True";
  env_int("TORCHELASTIC_RESTART_COUNT", &e.restart_count);
  return e;
}

struct DataParallel::Impl {
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  void wait(c10::intrusive_ptr<c10d::Work> w) { w->wait(); }
  // Reduces a host tensor in place with `op` over the ranks.
  void all_reduce(torch::Tensor& host, c10d::ReduceOp::RedOpType op) {
    std::vector<torch::Tensor> v{host};
    c10d::AllreduceOptions o;
    o.reduceOp = op;
    wait(pg->allreduce(v, o));
  }
};

namespace {
// Copies the pieces of a flat buffer (at::flatten_dense_tensors' layout) back into `tensors`.
void unflatten_into(const torch::Tensor& flat, const std::vector<torch::Tensor>& tensors) {
  auto parts = at::unflatten_dense_tensors(flat, tensors);
  for (size_t i = 0; i < tensors.size(); ++i) tensors[i].copy_(parts[i]);
}
}  // namespace

DataParallel::DataParallel() = default;

DataParallel::DataParallel(const DistEnv& env) : env_(env) {
  if (!active()) return;
  // Generous timeouts: rank 0 alone evaluates held-out prompts while the others wait at a barrier.
  const auto timeout = std::chrono::milliseconds(std::chrono::hours(2));
  c10d::TCPStoreOptions so;
  so.port = static_cast<std::uint16_t>(env.master_port);
  so.isServer = env.rank == 0 && !env.agent_store;
  so.numWorkers = env.agent_store ? c10::nullopt : c10::optional<std::size_t>(env.world_size);
  so.waitWorkers = !env.agent_store;
  so.timeout = std::chrono::milliseconds(std::chrono::minutes(5));
  c10::intrusive_ptr<c10d::Store> store;
  try {
    store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, so);
  } catch (const std::exception& e) {
    throw Error("distributed: rank " + std::to_string(env.rank) + " could not reach the store at " + env.master_addr +
                ":" + std::to_string(env.master_port) + ": " + e.what());
  }
  store = c10::make_intrusive<c10d::PrefixStore>("varrl/attempt_" + std::to_string(env.restart_count), store);
  auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
  // The transport device, as PyTorch picks it: GLOO_SOCKET_IFNAME, else loopback for a one-machine group, else the
  // address this machine's hostname resolves to.
  const bool loopback = env.master_addr == "127.0.0.1" || env.master_addr == "localhost";
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
    opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
  else if (loopback)
    opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  else
    opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  opts->threads = 2;
  impl_ = std::make_unique<Impl>();
  impl_->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.world_size, opts);
  spdlog::info("distributed: rank {} of {} (Gloo, store {}:{}{})", env.rank, env.world_size, env.master_addr,
               env.master_port, env.agent_store ? ", torchrun's" : "");
}

DataParallel::~DataParallel() = default;

void DataParallel::all_reduce_sum(torch::Tensor& t) {
  if (!active()) return;
  auto host = to_host(t);
  impl_->all_reduce(host, c10d::ReduceOp::SUM);
  if (!host.is_same(t)) t.copy_(host);
}

double DataParallel::sum(double x) {
  auto t = torch::tensor({x}, torch::kDouble);
  all_reduce_sum(t);
  return t.item<double>();
}

double DataParallel::max(double x) {
  if (!active()) return x;
  auto t = torch::tensor({x}, torch::kDouble);
  impl_->all_reduce(t, c10d::ReduceOp::MAX);
  return t.item<double>();
}

torch::Tensor DataParallel::all_gather(const torch::Tensor& t) {
  if (!active()) return t;
  auto host = to_host(t);
  std::vector<std::vector<torch::Tensor>> out(1);
  for (int r = 0; r < env_.world_size; ++r) out[0].push_back(torch::empty_like(host));
  std::vector<torch::Tensor> in{host};
  impl_->wait(impl_->pg->allgather(out, in));
  return torch::cat(out[0]).to(t.device());
}

void DataParallel::all_reduce_grads(const std::vector<torch::Tensor>& params) {
  if (!active()) return;
  // A parameter with a gradient on any rank takes part everywhere (as zeros where it had none), so that every rank's
  // optimizer sees the same set of gradients.
  auto has_P = torch::zeros({static_cast<int64_t>(params.size())}, torch::kDouble);
  for (size_t i = 0; i < params.size(); ++i) has_P[i] = params[i].grad().defined() ? 1.0 : 0.0;
  all_reduce_sum(has_P);
  std::vector<torch::Tensor> grads;
  for (size_t i = 0; i < params.size(); ++i) {
    if (has_P[i].item<double>() == 0) continue;
    auto p = params[i];
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
  }
  if (grads.empty()) return;
  auto flat = at::flatten_dense_tensors(grads);
  all_reduce_sum(flat);
  unflatten_into(flat, grads);
}

void DataParallel::broadcast_from_main(const std::vector<torch::Tensor>& params) {
  if (!active()) return;
  torch::NoGradGuard ng;
  std::vector<torch::Tensor> v{to_host(at::flatten_dense_tensors(params))};
  c10d::BroadcastOptions o;
  o.rootRank = 0;
  impl_->wait(impl_->pg->broadcast(v, o));
  unflatten_into(v[0], params);
}

void DataParallel::barrier() {
  if (!active()) return;
  impl_->wait(impl_->pg->barrier());
}

}  // namespace varrl
