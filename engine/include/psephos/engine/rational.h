// Exact rationals for every number that decides a winner or a tie.
#pragma once

#include <gmpxx.h>

#include <cstdint>
#include <string>

namespace psephos::engine {

using Rational = mpq_class;

// num/den in lowest terms; den must not be zero.
inline Rational MakeRational(std::int64_t num, std::int64_t den = 1) {
  Rational r{mpz_class(static_cast<long>(num)), mpz_class(static_cast<long>(den))};
  r.canonicalize();
  return r;
}

// "p/q" in lowest terms, or "p" when q is 1.
std::string ToString(const Rational& value);
// A decimal approximation for display only; never compared.
double ToDouble(const Rational& value);

}  // namespace psephos::engine
