#pragma once
// Counts every operator new of the test executable, so that a test can check that a repeated run
// allocates nothing.
//
// allocation_counter.cpp replaces the global operator new and delete; a program may hold only
// one replacement, so it is not part of the support library every test links. A test that counts
// links the object library convscope_test_allocation_counter, which puts it in that executable
// once.

namespace convscope::test {

// The operator new calls (of every size and alignment) since the program started.
long allocation_count();

struct RepeatedAllocations {
    long first = 0;    // the first call's, which sizes every buffer
    long repeated = 0; // the third call's, once the second has shown the sizes stay
};

// Calls `call` three times and counts what the first and the third allocate.
template <class Call> RepeatedAllocations count_repeated_allocations(Call&& call) {
    const long start = allocation_count();
    call();
    const long after_first = allocation_count();
    call();
    const long before_third = allocation_count();
    call();
    return {after_first - start, allocation_count() - before_third};
}

} // namespace convscope::test
