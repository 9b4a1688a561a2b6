// A genuine simulated device for the fuzz targets that drive one: made once per run, since
// manufacturing makes keys, which would otherwise dominate every input.
#pragma once

#include "devsim/factory/manufacturer.h"
#include "fuzz_support.h"

namespace edgeid::fuzz {

inline devsim::ManufacturedElement MakeGenuineElement() {
  auto maker = devsim::CreateManufacturer("fuzz maker", Now());
  Require(maker.ok(), "a manufacturer root can be made");
  auto made = devsim::ManufactureElement(*maker, devsim::Counterfeit::kNone, Now());
  Require(made.ok(), "an element can be made");
  return std::move(*made);
}

}  // namespace edgeid::fuzz
