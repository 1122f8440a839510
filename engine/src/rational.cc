#include "psephos/engine/rational.h"

namespace psephos::engine {

std::string ToString(const Rational& value) { return value.get_str(); }

double ToDouble(const Rational& value) { return value.get_d(); }

}  // namespace psephos::engine
