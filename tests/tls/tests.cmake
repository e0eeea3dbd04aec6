# TLS through the real binary: regie ca, regie serve with certificates, checked with curl and
# openssl s_client (fast; also under the sanitizers). Included by tests/CMakeLists.txt.
add_test(NAME tls/serve COMMAND bash ${CMAKE_SOURCE_DIR}/tests/tls/tls.sh $<TARGET_FILE:regie>)
set_tests_properties(tls/serve PROPERTIES LABELS "tls;scenario;san" TIMEOUT 180 SKIP_RETURN_CODE 77)
