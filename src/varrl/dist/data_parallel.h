// Data-parallel training over processes with PyTorch c10d (Gloo). The launcher's environment says who we are:
// `torchrun --no-python` or plain RANK / WORLD_SIZE / MASTER_ADDR / MASTER_PORT. WORLD_SIZE unset or 1 = one process,
// no group, every collective a no-op — the same code path runs alone and in a group.
// CUDA tensors are staged through host memory for Gloo (NCCL is not built: Debian's LibTorch is CPU-only).
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace varrl {

struct DistEnv {
  int rank = 0, world_size = 1, local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  bool agent_store = false;  // torchrun hosts the TCPStore itself (TORCHELASTIC_USE_AGENT_STORE=True)
  int restart_count = 0;     // torchrun's TORCHELASTIC_RESTART_COUNT: keys of a restarted group do not collide

  // Reads the variables above; a malformed or inconsistent one is an Error naming it.
  static DistEnv from_environment();
};

class DataParallel {
 public:
  // One process: no group.
  DataParallel();
  // Joins the group described by `env` (rank 0 hosts the store unless torchrun does). Blocks until all ranks joined.
  explicit DataParallel(const DistEnv& env);
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  int rank() const { return env_.rank; }
  int world_size() const { return env_.world_size; }
  bool is_main() const { return env_.rank == 0; }
  bool active() const { return env_.world_size > 1; }

  // Sums in place over the ranks (any dtype Gloo supports; any device).
  void all_reduce_sum(torch::Tensor& t);
  double sum(double x);
  double max(double x);
  // Rank r's tensor at rows [r·n, (r+1)·n) of the result; every rank passes the same shape.
  torch::Tensor all_gather(const torch::Tensor& t);
  // Sums the gradients of `params` over the ranks (one flattened buffer, one collective).
  void all_reduce_grads(const std::vector<torch::Tensor>& params);
  // Overwrites `params` with rank 0's values.
  void broadcast_from_main(const std::vector<torch::Tensor>& params);
  void barrier();

 private:
  struct Impl;
  DistEnv env_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace varrl
