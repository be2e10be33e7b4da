#pragma once
// How the fast backend spreads work: independent tasks (strips of output rows, × channel
// blocks) over oneTBB's threads, inline when the work is too small to repay a thread hand-off,
// with the cancellation token checked between tasks. Each thread keeps its own scratch buffers,
// which only ever grow: a repeated run allocates nothing.

#include "convscope/aligned_allocator.hpp"
#include "convscope/cancel_token.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace convscope::fast {

using FloatBuffer = std::vector<float, AlignedAllocator<float, 64>>;

// Per-thread working memory: four buffers that only grow.
struct ThreadScratch {
    FloatBuffer buffers[4];

    float* get(int which, std::size_t floats) {
        FloatBuffer& b = buffers[which];
        if (b.size() < floats)
            b.resize(floats);
        return b.data();
    }
};

// One ThreadScratch per thread slot of the task arena. Callers size every slot's buffers before
// a parallel loop, on their own thread, so no task ever allocates: a repeated run allocates
// nothing, whichever threads happen to pick up its tasks.
class ScratchPool {
public:
    // Every slot's buffer `which` holds at least `floats`.
    void reserve(int which, std::size_t floats) {
        ensure_slots();
        for (ThreadScratch& slot : slots_)
            slot.get(which, floats);
    }
    // The calling thread's scratch (inside a parallel loop).
    ThreadScratch& local() {
        const int index = tbb::this_task_arena::current_thread_index();
        if (index >= 0 && index < static_cast<int>(slots_.size()))
            return slots_[index];
        thread_local ThreadScratch outside_the_arena; // not expected; correct, not allocation-free
        return outside_the_arena;
    }
    // The scratch of work that runs on the calling thread alone.
    ThreadScratch& serial() {
        ensure_slots();
        return slots_[0];
    }

private:
    void ensure_slots() {
        const int slots = std::max(1, tbb::this_task_arena::max_concurrency());
        if (static_cast<int>(slots_.size()) < slots)
            slots_.resize(slots);
    }
    std::vector<ThreadScratch> slots_;
};

// Below this many multiply-adds (or element operations) a layer runs on the calling thread.
inline constexpr double kInlineWork = 256.0 * 1024.0;

inline bool is_cancelled(const CancelToken* cancel) {
    return cancel && cancel->is_cancelled();
}

// Runs body(task, scratch) for task in [0, count).
template <class Body>
void parallel_tasks(int count, double total_work, ScratchPool& scratch, const CancelToken* cancel,
                    const Body& body) {
    if (count <= 1 || total_work < kInlineWork) {
        ThreadScratch& local = scratch.serial();
        for (int task = 0; task < count && !is_cancelled(cancel); ++task)
            body(task, local);
        return;
    }
    tbb::task_group_context context;
    tbb::parallel_for(
        tbb::blocked_range<int>(0, count, 1),
        [&](const tbb::blocked_range<int>& range) {
            ThreadScratch& local = scratch.local();
            for (int task = range.begin(); task != range.end(); ++task) {
                if (is_cancelled(cancel)) {
                    context.cancel_group_execution();
                    return;
                }
                body(task, local);
            }
        },
        tbb::simple_partitioner(), context);
}

// Output rows per strip: the strip's input (rows_per_strip·row_step + halo rows of
// `row_bytes`) fits in `budget_bytes`, and there are at least `min_tasks` strips when the map
// is tall enough.
int strip_height(int out_rows, int row_step, int halo_rows, std::size_t row_bytes,
                 std::size_t budget_bytes, int min_tasks);

} // namespace convscope::fast
