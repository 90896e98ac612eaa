// Copyright 2026 The tenas Authors.
//
// thread_stack_size.h: thread stacks that hold what their creator asked for.
//
// glibc carves a new thread's static TLS blocks (those of every library
// loaded at start-up) out of the stack its creator asked for, and refuses
// to create the thread (EINVAL) when they do not fit. civetweb, under
// prometheus-cpp's /metrics, asks for 100 KiB stacks; PyTorch 2.x's CUDA
// libraries (cuBLASLt alone: 92 KiB) bring about 220 KiB of static TLS, so
// against that LibTorch the /metrics server could not start ("null context
// when constructing CivetServer"). The server therefore defines
// pthread_attr_setstacksize itself (exported from the executable, so that
// every library's call reaches it): it adds the loaded libraries' TLS to
// the size asked for and passes the sum on to glibc's function. A creator
// thus gets at least the usable stack it asked for, whatever is loaded.

#ifndef TENAS_SERVER_THREAD_STACK_SIZE_H_
#define TENAS_SERVER_THREAD_STACK_SIZE_H_

#include <cstddef>

namespace tenas::server {

/// Bytes of thread-local storage of all modules loaded now (the sum of
/// their PT_TLS segments' sizes, each rounded up to its alignment): an
/// upper bound of what glibc takes from each new thread's stack.
size_t LoadedTlsBytes();

/// The stack size the server's pthread_attr_setstacksize passes to glibc
/// for a request of `requested` bytes: `requested` plus LoadedTlsBytes(),
/// rounded up to whole pages.
size_t StackSizeWithTls(size_t requested);

}  // namespace tenas::server

#endif  // TENAS_SERVER_THREAD_STACK_SIZE_H_
