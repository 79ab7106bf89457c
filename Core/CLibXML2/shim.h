// Debian's libxml2 is built with ICU, and with LIBXML_ICU_ENABLED its encoding.h pulls ICU's
// unicode/ucnv.h into this module. Foundation carries its own copy of ICU's headers
// (_FoundationICU), and a Swift module that sees both fails to build ("UErrorCode … is not present
// in definition of enum UErrorCode in module CLibXML2"), depending on the order modules load.
// Twinlog never touches the ICU converter fields that the macro adds to the end of
// xmlCharEncodingHandler (handlers are only passed by pointer), so the macro is dropped here.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
