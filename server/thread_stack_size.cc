// Copyright 2026 The tenas Authors.

#include "server/thread_stack_size.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>

namespace tenas::server {
namespace {

int AddModuleTls(struct dl_phdr_info* info, size_t /*size*/, void* data) {
  size_t* total = static_cast<size_t*>(data);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& header = info->dlpi_phdr[i];
    if (header.p_type != PT_TLS) continue;
    const size_t align = header.p_align > 0 ? header.p_align : 1;
    *total += (header.p_memsz + align - 1) / align * align;
  }
  return 0;
}

using SetStackSizeFunction = int (*)(pthread_attr_t*, size_t);

// glibc's own pthread_attr_setstacksize: the next definition after ours.
SetStackSizeFunction GlibcSetStackSize() {
  static const SetStackSizeFunction next =
      reinterpret_cast<SetStackSizeFunction>(
          dlsym(RTLD_NEXT, "pthread_attr_setstacksize"));
  return next;
}

}  // namespace

size_t LoadedTlsBytes() {
  size_t total = 0;
  dl_iterate_phdr(AddModuleTls, &total);
  return total;
}

size_t StackSizeWithTls(size_t requested) {
  const long page = sysconf(_SC_PAGESIZE);
  const size_t page_bytes = page > 0 ? static_cast<size_t>(page) : 4096;
  const size_t total = requested + LoadedTlsBytes();
  return (total + page_bytes - 1) / page_bytes * page_bytes;
}

}  // namespace tenas::server

// Replaces glibc's definition for the whole process: the executable's
// symbol comes first in the dynamic linker's search, and server/
// CMakeLists.txt exports it from every executable that links the server.
extern "C" int pthread_attr_setstacksize(pthread_attr_t* attr,
                                         size_t stacksize) noexcept {
  const auto next = tenas::server::GlibcSetStackSize();
  if (next == nullptr) return ENOSYS;
  return next(attr, tenas::server::StackSizeWithTls(stacksize));
}
