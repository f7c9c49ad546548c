// Aggregate header of this area: includes each of its public headers.
#pragma once
