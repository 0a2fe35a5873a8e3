using Checkup.Cli;
using Microsoft.Extensions.Configuration;

// Settings as the app reads them: environment variables (ConnectionStrings__Postgres, Auth__*), which ./checkup exports.
var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();

return args switch
{
    ["token", .. var rest] => TokenCommand.Run(rest, configuration),
    ["migrate", ..] => MigrateCommand.Run(configuration),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        Usage: Checkup.Cli token --sub <user id> [--admin] [--hours 12]   print a development JWT (Auth__SigningKey, Auth__Issuer, Auth__Audience)
               Checkup.Cli migrate                                          apply database migrations (ConnectionStrings__Postgres)
        """);
    return 2;
}
