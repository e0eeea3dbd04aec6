# regie user: the account administration command through the real binary (fast; also under the
# sanitizers).
add_test(NAME auth/cli COMMAND bash ${CMAKE_SOURCE_DIR}/tests/auth/cli.sh $<TARGET_FILE:regie>)
set_tests_properties(auth/cli PROPERTIES LABELS "auth;san" TIMEOUT 180)
