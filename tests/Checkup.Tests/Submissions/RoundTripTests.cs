using System.Collections.Concurrent;
using System.Net;
using Checkup.Tests.Auth;
using Checkup.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Checkup.Tests.Submissions;

/// <summary>
/// Autosave is the hottest path: one database round trip per save, whatever the outcome. Counted from Npgsql's own
/// command log (one entry per command sent) on an app of the test's own, so no other test's commands are counted.
/// </summary>
public sealed class RoundTripTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Each_save_submit_and_read_costs_exactly_one_database_command()
    {
        var commands = new CommandLog();
        await using var factory = new CheckupFactory();
        await using var app = factory.WithWebHostBuilder(web => web.ConfigureLogging(logging =>
        {
            logging.AddProvider(commands);
            logging.AddFilter<CommandLog>("Npgsql.Command", LogLevel.Trace);
        }));
        var user = Users.New();
        var http = app.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", Tokens.Valid(user));
        var person = new SubmissionClient(http);
        var images = await Db.ImagesAsync(user);
        await person.StartedAsync();

        var counts = new Dictionary<string, int>();
        async Task<HttpResponseMessage> Measure(string name, Func<Task<HttpResponseMessage>> call)
        {
            commands.Clear();
            var response = await call();
            counts[name] = commands.Count;
            output.WriteLine($"{name}: {(int)response.StatusCode}, {commands.Count} command(s)\n  {string.Join("\n  ", commands.Texts.Select(t => t.Split('\n')[0]))}");
            return response;
        }

        Assert.Equal(HttpStatusCode.OK, (await Measure("save with 3 images and If-Match", () => person.SaveAsync(Forms.Complete(images, " a"), "\"1\""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Measure("save without If-Match", () => person.SaveAsync(Forms.Complete(images, " b")))).StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await Measure("save with a stale If-Match (412)", () => person.SaveAsync(Forms.Complete(images), "\"1\""))).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Measure("save with a foreign image (422)", () => person.SaveAsync(Forms.Of(Forms.Project("x", null, null, Guid.NewGuid()))))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Measure("read", person.GetAsync)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Measure("submit", () => person.SubmitAsync(Forms.Complete(images)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Measure("identical repeated submit", () => person.SubmitAsync(Forms.Complete(images)))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Measure("save after submit (409)", () => person.SaveAsync(Forms.Complete(images)))).StatusCode);

        Assert.All(counts, c => Assert.True(c.Value == 1, $"{c.Key}: {c.Value} commands"));
    }

    /// <summary>Npgsql logs one "execution completed" entry per command (or batch) it sends.</summary>
    private sealed class CommandLog : ILoggerProvider, ILogger
    {
        private readonly ConcurrentQueue<string> _texts = new();

        public int Count => _texts.Count;
        public IEnumerable<string> Texts => _texts;
        public void Clear() => _texts.Clear();

        public ILogger CreateLogger(string categoryName) => categoryName == "Npgsql.Command" ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            if (message.Contains("execution completed", StringComparison.OrdinalIgnoreCase))
            {
                _texts.Enqueue(message);
            }
        }

        public void Dispose() { }
    }
}
