# One Debian package with the server, the client (with cap_net_raw+ep, set by postinst), the
# collector, their systemd units, man pages, completions and ENDPOINTS: `cpack -G DEB` in a
# build configured with CMAKE_INSTALL_PREFIX=/usr (scripts/build-release does both).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME reverse-traceroute)
# Debian versions allow no "-" in the upstream part without a revision: 0.1.0+git1a2b3c4.dirty
string(REPLACE "-" "." RTT_DEB_DESCRIBE "${RTT_GIT_DESCRIBE}")
if(RTT_GIT_DESCRIBE STREQUAL "unknown")
  set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
else()
  set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}+git${RTT_DEB_DESCRIBE}")
endif()
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "traceroute in both directions: the path to a host and the path back")
set(CPACK_PACKAGE_DESCRIPTION "reverse-traceroute shows the path packets take back to you, not only the path out.
reverse-traceroute-server answers reverse traceroute requests with an eBPF program on the
tc ingress hook; reverse-traceroute traces forward, reverse or both ways, single path or
every load-balanced path (Diamond-Miner), with text, JSON and graphviz output;
reverse-traceroute-collector stores measurements submitted with --transmit.")
set(CPACK_PACKAGE_CONTACT "reverse-traceroute developers <reverse-traceroute@example.net>")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Library dependencies from the binaries (dpkg-shlibdeps), plus what is used but not linked:
# graphviz (loaded with dlopen when drawing) and setcap (postinst).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libgvc6, libcap2-bin")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "sqlite3")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/postinst ${PROJECT_SOURCE_DIR}/packaging/prerm ${PROJECT_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
