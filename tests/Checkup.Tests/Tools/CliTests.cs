using System.Diagnostics;
using System.Text;
using Checkup.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Checkup.Tests.Tools;

/// <summary>tools/Checkup.Cli, the program behind <c>./checkup token</c> and <c>./checkup migrate</c>, run as the script runs it.</summary>
public sealed class CliTests
{
    private static readonly Dictionary<string, string?> SharedKey = new()
    {
        ["Auth__SigningKey"] = CheckupFactory.SigningKey,
        ["Auth__Issuer"] = CheckupFactory.Issuer,
        ["Auth__Audience"] = CheckupFactory.Audience,
        ["Auth__Authority"] = null,
    };

    [Fact]
    public async Task Token_prints_a_jwt_the_app_accepts_with_the_subject_and_the_admin_role()
    {
        var (exitCode, output, _) = await RunAsync(SharedKey, "token", "--sub", "cli-alice", "--admin", "--hours", "2");

        Assert.Equal(0, exitCode);
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(output.Trim(), new TokenValidationParameters
        {
            ValidIssuer = CheckupFactory.Issuer,
            ValidAudience = CheckupFactory.Audience,
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(CheckupFactory.SigningKey)),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("cli-alice", result.Claims["sub"]);
        Assert.Equal("admin", result.Claims["role"]);
        var lifetime = result.SecurityToken.ValidTo - result.SecurityToken.ValidFrom;
        Assert.Equal(TimeSpan.FromHours(2), lifetime);
    }

    [Theory]
    [InlineData("Usage: token --sub", "token")]
    [InlineData("Unknown argument '--sudo'", "token", "--sub", "bob", "--sudo")]
    public async Task Token_without_a_subject_or_with_an_unknown_argument_exits_2_with_the_usage(string message, params string[] args)
    {
        var (exitCode, output, error) = await RunAsync(SharedKey, args);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Contains(message, error);
    }

    [Fact]
    public async Task Token_without_a_signing_key_exits_2_and_names_the_settings()
    {
        var (exitCode, output, error) = await RunAsync(new() { ["Auth__SigningKey"] = null, ["Auth__Authority"] = null }, "token", "--sub", "bob");

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Contains("Auth__SigningKey", error);
    }

    [Fact]
    public async Task Migrate_without_a_connection_string_exits_2_and_says_which_setting()
    {
        var (exitCode, _, error) = await RunAsync(new() { ["ConnectionStrings__Postgres"] = null }, "migrate");

        Assert.Equal(2, exitCode);
        Assert.Contains("ConnectionStrings__Postgres is not set", error);
    }

    [Fact]
    public async Task Migrate_brings_an_empty_database_up_to_date_and_then_finds_nothing_to_do()
    {
        await using var database = await TestEnvironment.CreateScratchDatabaseAsync();
        var settings = new Dictionary<string, string?> { ["ConnectionStrings__Postgres"] = database.ConnectionString };

        var first = await RunAsync(settings, "migrate");
        var second = await RunAsync(settings, "migrate");

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Contains("Applied ", first.Error);
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Contains("Database is up to date.", second.Error);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(Dictionary<string, string?> environment, params string[] args)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet && File.Exists(dotnet) ? dotnet : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(TestEnvironment.RepositoryRoot, "tools", "Checkup.Cli", "bin", configuration, "net10.0", "Checkup.Cli.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2)); // only so a hang fails the test
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await output, await error);
    }
}
