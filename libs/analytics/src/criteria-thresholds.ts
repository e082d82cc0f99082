/** Tasks a window needs before it can decide anything. */
export const MIN_TASKS_PER_WINDOW = 30;
/**
 * Days with tasks a window needs before it can decide anything: days are the unit of evidence,
 * and a week is the shortest span that does not over-represent some weekdays.
 */
export const MIN_DAYS_PER_WINDOW = 7;
