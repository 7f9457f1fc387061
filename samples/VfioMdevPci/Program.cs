return PinApi.Samples.VfioMdevPci.VfioMdevPciDemo.Run(Console.Out);
