// One training process per run folder: the process that trains in RUN holds an flock on RUN/.lock (with its pid
// written inside) until it exits; the kernel drops the lock when the process dies, even by kill -9.
#pragma once
#include <string>

namespace varrl {

// Takes the lock on `run_dir` for the rest of this process's life (creating the folder if needed); taking it again
// in the same process is a no-op. Throws a varrl::Error naming the folder and the pid of the holder when another
// process holds it.
void lock_run_folder(const std::string& run_dir);

}  // namespace varrl
