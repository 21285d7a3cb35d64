export const LABEL_CLASSES = ['Botnet', 'Normal', 'Background'] as const;
export type LabelClass = (typeof LABEL_CLASSES)[number];

/**
 * Maps a capture label to its class: `Botnet` if it contains "Botnet", `Normal` if it contains "Normal",
 * otherwise `Background` (also for captures without labels). This is how CTU-13 counts its classes.
 */
export function labelClassOf(label: string | null): LabelClass {
  if (label === null) {
    return 'Background';
  }

  if (label.includes('Botnet')) {
    return 'Botnet';
  }

  return label.includes('Normal') ? 'Normal' : 'Background';
}
