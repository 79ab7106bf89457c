import TwinlogText

/// Small realistic documents of every structured format, written for these tests.
enum StructuredFixtures {
    static let python = #"""
        """Training loop for the tiny language model."""
        import math
        import os
        from dataclasses import dataclass

        import torch

        LOG_EVERY = 50


        # Settings read from the command line.
        @dataclass
        class TrainConfig:
            learning_rate: float = 3e-4
            batch_size: int = 32
            max_steps: int = 1000


        @torch.no_grad()
        def estimate_loss(model, batches, device="cpu"):
            model.eval()
            losses = []
            for inputs, targets in batches:
                _, loss = model(inputs.to(device), targets.to(device))
                losses.append(loss.item())
            model.train()
            return sum(losses) / max(1, len(losses))


        class Trainer:
            """Runs the optimisation loop and keeps the best checkpoint.

        Lines of a docstring may start at column 0 without ending the class.
            """

            def __init__(self, model, config: TrainConfig):
                self.model = model
                self.config = config
                self.optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)
                self.best = math.inf

            def step(self, inputs, targets):
                self.optimizer.zero_grad(set_to_none=True)
                _, loss = self.model(inputs, targets)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                self.optimizer.step()
                return loss.item()

            @property
            def learning_rate(self):
                return self.optimizer.param_groups[0]["lr"]

            def run(
                self,
                train_batches,
                val_batches,
            ):
                for number, (inputs, targets) in enumerate(train_batches):
                    loss = self.step(inputs, targets)
                    if number % LOG_EVERY == 0:
                        print(f"step {number}: loss {loss:.4f}, lr {self.learning_rate:.2e}")
                    if number and number % 200 == 0:
                        validation = estimate_loss(self.model, val_batches)
                        if validation < self.best:
                            self.best = validation
                            self.save(os.path.join("checkpoints", f"best-{number}.pt"))
                    if number >= self.config.max_steps:
                        break

            def save(self, path):
                torch.save({"model": self.model.state_dict(), "best": self.best}, path)


        if __name__ == "__main__":
            Trainer(model=None, config=TrainConfig()).run([], [])
        """#

    static let swift = #"""
        import Foundation

        /// Keeps the most recent readings in memory.
        @MainActor
        public final class ReadingStore {
            private var readings: [Reading] = []
            private let format = "{label}: {value}"

            public init() {}

            public func add(_ reading: Reading) {
                readings.append(reading)  // drop the oldest past 100 }
                if readings.count > 100 { readings.removeFirst() }
            }
        }

        extension ReadingStore {
            /// The mean of all readings, or nil when there are none.
            var average: Double? {
                guard !readings.isEmpty else { return nil }
                return readings.map(\.value).reduce(0, +) / Double(readings.count)
            }

            func latest(_ count: Int) -> [Reading] {
                Array(readings.suffix(count))
            }
        }

        @frozen
        public struct Reading: Sendable, Hashable, Codable {
            public let value: Double
            public let label: String

            public init(value: Double, label: String) {
                self.value = value
                self.label = label
            }
        }
        """#

    static let typescript = #"""
        import { readFile } from "node:fs/promises";
        import type { Config } from "./config";

        const DEFAULT_PORT = 8080;

        export interface Route {
          method: "GET" | "POST";
          path: string;
        }

        export const parseRoute = (line: string): Route => {
          const [method, path] = line.trim().split(" ");
          return { method: method as Route["method"], path };
        };

        export async function loadRoutes(file: string): Promise<Route[]> {
          const text = await readFile(file, "utf8");
          return text.split("\n").filter(Boolean).map(parseRoute);
        }

        export class Router {
          private routes: Route[] = [];

          constructor(private readonly config: Config) {}

          add(route: Route): this {
            this.routes.push(route);
            return this;
          }

          match(method: string, path: string): Route | undefined {
            return this.routes.find((r) => r.method === method && r.path === `${path}`);
          }
        }
        """#

    static let go = #"""
        package cache

        import (
        	"sync"
        	"time"
        )

        // Entry is one cached value with its expiry.
        type Entry struct {
        	Value   string
        	Expires time.Time
        }

        // Cache is a map guarded by a mutex.
        type Cache struct {
        	mu      sync.Mutex
        	entries map[string]Entry
        }

        func New() *Cache {
        	return &Cache{entries: map[string]Entry{}}
        }

        // Get returns the value for key if it has not expired.
        func (c *Cache) Get(key string, now time.Time) (string, bool) {
        	c.mu.Lock()
        	defer c.mu.Unlock()
        	e, ok := c.entries[key]
        	if !ok || now.After(e.Expires) {
        		return "", false
        	}
        	return e.Value, true
        }
        """#

    static let rust = #"""
        use std::collections::HashMap;
        use std::fmt;

        /// A word and how often it was seen.
        #[derive(Debug, Clone, PartialEq)]
        pub struct WordCount {
            pub word: String,
            pub count: usize,
        }

        impl fmt::Display for WordCount {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}: {}", self.word, self.count)
            }
        }

        pub fn count_words(text: &str) -> Vec<WordCount> {
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for word in text.split_whitespace() {
                *counts.entry(word).or_insert(0) += 1;
            }
            let mut result: Vec<WordCount> = counts
                .into_iter()
                .map(|(word, count)| WordCount { word: word.to_string(), count })
                .collect();
            result.sort_by(|a, b| b.count.cmp(&a.count).then(a.word.cmp(&b.word)));
            result
        }

        #[cfg(test)]
        mod tests {
            use super::*;

            #[test]
            fn counts_repeated_words() {
                let counts = count_words("a b a");
                assert_eq!(counts[0], WordCount { word: "a".into(), count: 2 });
            }
        }
        """#

    static let java = #"""
        package com.example.orders;

        import java.util.ArrayList;
        import java.util.List;

        /** Keeps the orders of one customer. */
        public class OrderBook {
            private final List<Order> orders = new ArrayList<>();

            public OrderBook() {
            }

            @Override
            public String toString() {
                return "OrderBook{" + orders.size() + "}";
            }

            public void add(Order order) {
                if (order.total() <= 0) {
                    throw new IllegalArgumentException("empty order");
                }
                orders.add(order);
            }

            public interface Order {
                double total();
            }
        }
        """#

    static let yaml = #"""
        # Training run for the small model.
        name: tiny-lm

        # Where the data comes from.
        data:
          path: data/corpus.txt
          # Fraction held out for validation.
          validation_split: 0.1

        training:
          epochs: 3
          # AdamW settings.
          optimizer:
            name: adamw
            learning_rate: 0.0003
            weight_decay: 0.01
          scheduler:
            warmup_steps: 100
            decay: cosine
          steps:
          - evaluate
          - checkpoint

        logging:
          every: 50
        """#

    static let toml = #"""
        [project]
        name = "twinlog-tools"
        version = "0.3.0"
        dependencies = [
          "httpx>=0.27",
        ]

        # Optional extras.
        [project.optional-dependencies]
        dev = ["pytest>=8", "ruff"]

        [tool.ruff]
        line-length = 100
        """#

    static let makefile = """
        BIN := twinlog
        PREFIX ?= /usr/local

        .PHONY: build test install

        # Build the release binary.
        build:
        \tswift build -c release

        test: build
        \tswift test --parallel

        install: build
        \tinstall -m 755 .build/release/$(BIN) $(PREFIX)/bin/$(BIN)
        """

    static let dockerfile = #"""
        # syntax=docker/dockerfile:1
        ARG SWIFT_VERSION=6.0

        FROM swift:${SWIFT_VERSION}-jammy AS build
        WORKDIR /src
        COPY . .
        RUN swift build -c release --static-swift-stdlib

        # The runtime image only needs the binary.
        FROM ubuntu:22.04
        COPY --from=build /src/.build/release/twinlog /usr/local/bin/
        ENTRYPOINT ["twinlog"]
        """#

    static let notebook = #"""
        # %% [markdown]
        # # Exploring the corpus
        # We load the posts and look at their lengths.

        # %% [code]
        import pandas as pd
        posts = pd.read_json("posts.jsonl", lines=True)

        # %% [code]
        def length_histogram(frame, bins=20):
            return frame["text"].str.len().plot.hist(bins=bins)

        # %% [markdown]
        # ## Results
        # Most posts are short.
        """#

    static let markdown = #"""
        Twinlog
        =======

        An event-sourced platform that learns how you write.

        Getting started
        ---------------

        Install the toolchain first.

        ## Installation

        ### From source

        ```sh
        # not a heading
        swift build -c release
        ```

        ### With Docker

        Run the image with your configuration mounted.

        # Usage

        Ask a question about your own posts.
        """#

    static let article = #"""
        Why logs beat snapshots

        Most systems store the latest state and throw away how they got there. That works until you need to explain a number, replay a bug, or build a new view of old data.

        It works.

        An event log keeps every change. Consumers read it at their own pace, and a new consumer can start from the beginning.

        Replaying history

        Because the log is the source of truth, rebuilding a table is just reading the log again. We did this three times last year when the schema changed.

        npm run replay

        What it costs

        Storage grows with every event, so old segments are compacted. The trade-off is worth it for most teams.
        """#

    /// Every fixture with its format, for the properties all formats share.
    static let all: [(name: String, text: String, format: TextFormat)] = [
        ("python", python, .code(language: "python")),
        ("swift", swift, .code(language: "swift")),
        ("typescript", typescript, .code(language: "typescript")),
        ("go", go, .code(language: "go")),
        ("rust", rust, .code(language: "rust")),
        ("java", java, .code(language: "java")),
        ("yaml", yaml, .config(syntax: "yaml")),
        ("toml", toml, .config(syntax: "toml")),
        ("makefile", makefile, .config(syntax: "makefile")),
        ("dockerfile", dockerfile, .config(syntax: "dockerfile")),
        ("notebook", notebook, .notebook),
        ("markdown", markdown, .markdown),
        ("article", article, .article),
    ]
}
