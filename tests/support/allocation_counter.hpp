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

} // namespace convscope::test
