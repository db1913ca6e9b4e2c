import { useI18n } from 'vue-i18n'
import { filterSpec, type FilterId } from '@/lib/filters'

/** A filter's name and a strength with its unit, in the current language. */
export function useFilterLabels() {
  const { t, n } = useI18n()
  return {
    name: (id: FilterId) => t(`filters.names.${id}`),
    amount: (id: FilterId, v: number) => {
      const unit = filterSpec(id).unit
      return unit === 'deg' ? `${n(v)}°` : unit === '%' ? `${n(v)}%` : `${n(v)} px`
    },
  }
}
