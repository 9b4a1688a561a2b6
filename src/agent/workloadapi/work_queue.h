// A few worker threads for jobs that may block (a call to the server), so that they never hold
// the gRPC threads every other call needs. Bounded: a full queue refuses new jobs at once.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace edgeid::agent {

class WorkQueue {
 public:
  WorkQueue(size_t workers, size_t max_queued);
  // Runs every job already queued, then stops the workers.
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // False when `max_queued` jobs are already waiting.
  bool Submit(std::function<void()> job);

 private:
  void Work();

  size_t max_queued_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace edgeid::agent
