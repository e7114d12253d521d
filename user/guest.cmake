# Targets of the CPUID-leaf side of exitprof (included by user/CMakeLists.txt):
#   exitprof_reasons     exit-reason names (VMX/SVM), libc only
#   exitprof_leaves      decoding of the 0x4FFFFFFx leaf registers (docs/leaves.md), libc only
#   exitprof-cpuid       the static guest-side reader
set(EXITPROF_USER_DIR ${CMAKE_CURRENT_LIST_DIR})

add_library(exitprof_reasons STATIC ${EXITPROF_USER_DIR}/reasons.c)
target_include_directories(exitprof_reasons PUBLIC ${EXITPROF_USER_DIR})

add_library(exitprof_leaves STATIC ${EXITPROF_USER_DIR}/leaves.c)
target_include_directories(exitprof_leaves PUBLIC ${EXITPROF_USER_DIR})
target_link_libraries(exitprof_leaves PUBLIC exitprof_reasons)

# /dev/kvm micro-VM harness and the host-side leaf query built on it.
add_library(exitprof_microvm STATIC ${EXITPROF_USER_DIR}/microvm.c)
target_include_directories(exitprof_microvm PUBLIC ${EXITPROF_USER_DIR})

add_library(exitprof_cpuid_query STATIC ${EXITPROF_USER_DIR}/cpuid_query.c)
target_include_directories(exitprof_cpuid_query PUBLIC ${EXITPROF_USER_DIR})
target_link_libraries(exitprof_cpuid_query PUBLIC exitprof_microvm exitprof_leaves)

# The guest-side reader: static so it runs in any x86 Linux guest (an initramfs,
# a distribution without our libraries). Sanitizers cannot link statically.
add_executable(exitprof-cpuid ${EXITPROF_USER_DIR}/exitprof-cpuid.c)
target_link_libraries(exitprof-cpuid PRIVATE exitprof_leaves)
if(NOT EXITPROF_SANITIZE)
  target_link_options(exitprof-cpuid PRIVATE -static)
endif()
