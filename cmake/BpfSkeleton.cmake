# SPDX-License-Identifier: MIT
# add_bpf_skeleton(NAME SOURCE [DEPENDS headers...])
# Compiles SOURCE with clang -target bpf into NAME.bpf.o, generates NAME.skel.h with
# `bpftool gen skeleton`, and defines the INTERFACE target NAME_skel that a loader links to
# get the skeleton header (the libbpf-bootstrap recipe).
find_program(BPF_CLANG NAMES clang clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)

execute_process(COMMAND ${CMAKE_C_COMPILER} -dumpmachine
                OUTPUT_VARIABLE BPF_HOST_TRIPLET OUTPUT_STRIP_TRAILING_WHITESPACE)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(BPF_TARGET_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(BPF_TARGET_ARCH arm64)
else()
  set(BPF_TARGET_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()

# Warnings are errors only where RTT_WERROR asks (development and CI).
set(BPF_WERROR)
if(RTT_WERROR)
  set(BPF_WERROR -Werror)
endif()

# -mcpu=v3 (Linux 5.1+, below the 5.15 the server needs for timers): 32-bit jumps and the
# atomic compare-and-exchange that hands a session to exactly one of its answer and its timer.
function(add_bpf_skeleton name source)
  cmake_parse_arguments(ARG "" "" "DEPENDS;INCLUDES" ${ARGN})
  set(object ${CMAKE_CURRENT_BINARY_DIR}/${name}.bpf.o)
  set(skeleton ${CMAKE_CURRENT_BINARY_DIR}/${name}.skel.h)
  set(include_flags)
  foreach(dir ${ARG_INCLUDES})
    list(APPEND include_flags -I${dir})
  endforeach()
  add_custom_command(
    OUTPUT ${object}
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_${BPF_TARGET_ARCH}
            -Wall ${BPF_WERROR} -I/usr/include/${BPF_HOST_TRIPLET} ${include_flags}
            -c ${source} -o ${object}
    DEPENDS ${source} ${ARG_DEPENDS}
    COMMENT "BPF object ${name}.bpf.o"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skeleton}
    COMMAND ${BPFTOOL} gen skeleton ${object} name ${name} > ${skeleton}
    DEPENDS ${object}
    COMMENT "BPF skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_skel_files DEPENDS ${object} ${skeleton})
  add_library(${name}_skel INTERFACE)
  target_include_directories(${name}_skel INTERFACE ${CMAKE_CURRENT_BINARY_DIR})
  target_link_libraries(${name}_skel INTERFACE PkgConfig::LIBBPF)
  add_dependencies(${name}_skel ${name}_skel_files)
endfunction()
