# SPDX-License-Identifier: MIT
# rtt_documents(TARGET SECTION): after TARGET is built, generate its man page (docs/man/TARGET.SECTION.in
# holds the prose) and its bash and zsh completions into ${PROJECT_BINARY_DIR}/documents, and install them.
set(RTT_DOCUMENTS_DIR ${PROJECT_BINARY_DIR}/documents)
function(rtt_documents target section)
  set(prose ${PROJECT_SOURCE_DIR}/docs/man/${target}.${section}.in)
  set(outputs ${RTT_DOCUMENTS_DIR}/man/${target}.${section} ${RTT_DOCUMENTS_DIR}/bash-completion/${target}
              ${RTT_DOCUMENTS_DIR}/zsh-completion/_${target})
  add_custom_command(OUTPUT ${outputs}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${RTT_DOCUMENTS_DIR}/man ${RTT_DOCUMENTS_DIR}/bash-completion
            ${RTT_DOCUMENTS_DIR}/zsh-completion
    COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:${target}> -DNAME=${target} -DSECTION=${section}
            -DPROSE=${prose} -DOUT=${RTT_DOCUMENTS_DIR} -P ${PROJECT_SOURCE_DIR}/cmake/generate_documents.cmake
    DEPENDS ${target} ${prose} ${PROJECT_SOURCE_DIR}/cmake/generate_documents.cmake
    COMMENT "Generating the man page and completions of ${target}")
  add_custom_target(${target}-documents ALL DEPENDS ${outputs})
  install(FILES ${RTT_DOCUMENTS_DIR}/man/${target}.${section} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  install(FILES ${RTT_DOCUMENTS_DIR}/bash-completion/${target}
          DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
  install(FILES ${RTT_DOCUMENTS_DIR}/zsh-completion/_${target} DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
endfunction()
