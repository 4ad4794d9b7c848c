export { fetchPage, type FetchedPage, type FetchPageOptions } from './fetch-page.js';
export { offsetOf, ScrapeScheduler, type ScrapeSchedulerDeps } from './scheduler.js';
export { scrapeTarget, type ScrapeResult, type ScraperDeps } from './scraper.js';
