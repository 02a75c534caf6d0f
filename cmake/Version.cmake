# SPDX-License-Identifier: MIT
# rtt_version (an interface library): include "rtt_version.h" for RTT_VERSION_STRING, "VERSION
# (git describe)", refreshed on every build so --version names the commit actually built.
set(RTT_VERSION_HEADER ${PROJECT_BINARY_DIR}/generated/rtt_version.h)
add_custom_target(rtt_version_header
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DVERSION=${PROJECT_VERSION} -DOUT=${RTT_VERSION_HEADER}
          -P ${PROJECT_SOURCE_DIR}/cmake/write_version.cmake
  BYPRODUCTS ${RTT_VERSION_HEADER}
  COMMENT "Checking the git describe for --version")
add_library(rtt_version INTERFACE)
target_include_directories(rtt_version INTERFACE ${PROJECT_BINARY_DIR}/generated)
add_dependencies(rtt_version rtt_version_header)
