"""服务 Service analyses: review aspects and sentiment, DSR early warning, logistics."""
