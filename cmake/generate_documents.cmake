# SPDX-License-Identifier: MIT
# Writes a program's man page and completions from the program itself (cli_documents.h):
#   cmake -DPROGRAM=path -DNAME=name -DSECTION=1 -DPROSE=docs/man/name.1.in -DOUT=dir -P generate_documents.cmake
# The man page is the program's `--man` followed by the hand-written sections in PROSE.
foreach(shell bash zsh)
  execute_process(COMMAND ${PROGRAM} --completion ${shell} OUTPUT_VARIABLE text RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${PROGRAM} --completion ${shell} failed (${rc})")
  endif()
  if(shell STREQUAL "bash")
    file(WRITE ${OUT}/bash-completion/${NAME} "${text}")
  else()
    file(WRITE ${OUT}/zsh-completion/_${NAME} "${text}")
  endif()
endforeach()
execute_process(COMMAND ${PROGRAM} --man OUTPUT_VARIABLE page RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} --man failed (${rc})")
endif()
file(READ ${PROSE} prose)
file(WRITE ${OUT}/man/${NAME}.${SECTION} "${page}${prose}")
