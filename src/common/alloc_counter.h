#pragma once
// Counts heap allocations for the tests that prove a path allocation-free: a replacement of the
// global operator new that counts the allocations made on this thread while counting() is set.
//
// A replacement operator new may be defined once per program: include this header in exactly
// one source file of a test binary (a second one fails to link, naming operator new).

#include <cstddef>
#include <cstdlib>
#include <new>

namespace dnsedge::common::alloc_counter {
inline thread_local bool counting = false;
inline thread_local std::size_t allocations = 0;
}  // namespace dnsedge::common::alloc_counter

// The replaced operators pair malloc with free; GCC cannot see that they match.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t n) {
  if (dnsedge::common::alloc_counter::counting) ++dnsedge::common::alloc_counter::allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
