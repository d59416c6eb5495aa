/**
 * UCUM units (the unit codes FHIR quantities carry), through NLM's `@lhncbc/ucum-lhc`: is a code
 * a UCUM unit (and its name), and converting between commensurable units
 * (mass ↔ amount of substance given a molecular weight).
 *
 * The library is ~60 KB gzip, so it is never in the initial bundle: `loadUnits()` imports it on
 * demand (the chart state starts it when a chart opens) and `loadedUnits()` answers it once it is
 * there, for synchronous callers such as the lab form's checks.
 */

export interface UnitCheck {
  ok: boolean;
  /** Name, e.g. `milligram per deciliter` (when ok). */
  name?: string;
  /** A UCUM code the input may have meant (`mmHg` → `mm[Hg]`). */
  suggestion?: string;
}

export interface Units {
  check(unit: string): UnitCheck;
  /**
   * `value` in `from` expressed in `to`, or null when the units are not commensurable (or not
   * UCUM). `molecularWeight` (g/mol) allows mass ↔ amount of substance.
   */
  convert(value: number, from: string, to: string, molecularWeight?: number): number | null;
}

let loaded: Units | null = null;
let loading: Promise<Units> | null = null;

/** The UCUM tools if `loadUnits()` has finished, else null. */
export function loadedUnits(): Units | null {
  return loaded;
}

/** Loads the UCUM library (once) and answers the tools. */
export function loadUnits(): Promise<Units> {
  loading ??= import('@lhncbc/ucum-lhc').then((pkg) => {
    const utils = pkg.UcumLhcUtils.getInstance();
    const cache = new Map<string, UnitCheck>();
    const units: Units = {
      check(unit) {
        const code = unit.trim();
        const hit = cache.get(code);
        if (hit) return hit;
        let result: UnitCheck;
        // The library logs to the console on blanks; they are never UCUM anyway.
        if (code === '' || /\s/.test(code)) result = { ok: false };
        else {
          const r = utils.validateUnitString(code, true);
          if (r.status === 'valid' && r.ucumCode === code) {
            result = { ok: true, name: r.unit?.name || code };
          } else {
            const suggestion =
              r.status === 'valid' && r.ucumCode ? r.ucumCode : r.suggestions?.[0]?.units?.[0]?.[0];
            result = { ok: false, ...(suggestion ? { suggestion } : {}) };
          }
        }
        cache.set(code, result);
        return result;
      },
      convert(value, from, to, molecularWeight) {
        if (from === to) return value;
        const r = utils.convertUnitTo(from, value, to, molecularWeight ? { molecularWeight } : {});
        return r.status === 'succeeded' && typeof r.toVal === 'number' && Number.isFinite(r.toVal)
          ? r.toVal
          : null;
      },
    };
    loaded = units;
    return units;
  });
  return loading;
}
