# Writes the page as a C array: cmake -DIN=index.html -DOUT=page_data.c -P embed.cmake
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE "${OUT}" "/* Generated from serve/page/index.html by serve/embed.cmake. */\n"
     "const unsigned char serve_page_html[] = {\n${body}0};\n"
     "const unsigned long serve_page_html_len = ${bytes};\n")
